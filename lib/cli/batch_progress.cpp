#include "cli/batch_progress.hpp"

#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>

namespace weshopd::cli {

namespace json = boost::json;

namespace {

std::int64_t number_at(const json::object& o, std::string_view key)
{
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : v && v->is_uint64() ? static_cast<std::int64_t>(v->get_uint64()) : 0;
}

std::string text_at(const json::object& o, std::string_view key)
{
  const auto* v = o.if_contains(key);
  if (!v || v->is_null())
    return "-";
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

std::string fixed1(double v)
{
  char out[32];
  std::snprintf(out, sizeof out, "%.1f", v);
  return out;
}

} // namespace

batch_counts counts_of(const json::object& batch)
{
  const auto* v = batch.if_contains("counts");
  if (!v || !v->is_object())
    return {};
  const auto& c = v->get_object();
  return {number_at(c, "queued"),    number_at(c, "uploading"), number_at(c, "submitting"), number_at(c, "running"),
          number_at(c, "succeeded"), number_at(c, "failed"),    number_at(c, "canceled")};
}

std::optional<double> rate_per_minute(const progress_sample& s)
{
  const auto seconds = std::chrono::duration<double>(s.elapsed).count();
  const auto done = s.finished - s.finished_at_start;
  if (done <= 0 || seconds < 1.0)
    return std::nullopt;
  return static_cast<double>(done) * 60.0 / seconds;
}

std::optional<std::chrono::seconds> time_left(const progress_sample& s)
{
  if (s.finished >= s.total)
    return std::chrono::seconds(0);
  const auto rate = rate_per_minute(s);
  if (!rate)
    return std::nullopt;
  const auto minutes = static_cast<double>(s.total - s.finished) / *rate;
  return std::chrono::seconds(static_cast<std::int64_t>(std::ceil(minutes * 60.0)));
}

std::string duration_text(std::optional<std::chrono::seconds> d)
{
  if (!d)
    return "--";
  const auto s = d->count();
  char out[32];
  if (s < 60)
    std::snprintf(out, sizeof out, "%llds", static_cast<long long>(s));
  else if (s < 3600)
    std::snprintf(out, sizeof out, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  else
    std::snprintf(out, sizeof out, "%lldh%02lldm", static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60));
  return out;
}

std::string batch_line(const json::object& batch)
{
  const auto c = counts_of(batch);
  return text_at(batch, "id") + " " + text_at(batch, "state") + " " + std::to_string(c.finished()) + "/" +
         std::to_string(c.total()) + " finished: succeeded " + std::to_string(c.succeeded) + ", failed " +
         std::to_string(c.failed) + ", canceled " + std::to_string(c.canceled) + "; running " +
         std::to_string(c.running + c.submitting) + ", waiting " + std::to_string(c.queued + c.uploading);
}

std::string progress_bar(const json::object& batch, const progress_sample& s, std::size_t width)
{
  const auto c = counts_of(batch);
  const auto filled = c.total() > 0 ? static_cast<std::size_t>(c.finished()) * width / static_cast<std::size_t>(c.total()) : 0;
  const auto rate = rate_per_minute(s);
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]  " + std::to_string(c.finished()) + "/" +
         std::to_string(c.total()) + "  ok " + std::to_string(c.succeeded) + "  failed " + std::to_string(c.failed) +
         "  running " + std::to_string(c.running + c.submitting) + "  " + (rate ? fixed1(*rate) : std::string("--")) +
         "/min  left " + duration_text(time_left(s)) + "  " + text_at(batch, "state");
}

std::string describe_batch(const json::object& batch)
{
  const auto c = counts_of(batch);
  const auto field = [&](std::string_view path_a, std::string_view path_b) {
    const auto* o = batch.if_contains(path_a);
    return o && o->is_object() ? text_at(o->get_object(), path_b) : std::string("-");
  };
  std::string out;
  out += "batch     " + text_at(batch, "id") + "\n";
  out += "state     " + text_at(batch, "state") + "\n";
  out += "agent     " + field("agent", "name") + " " + field("agent", "version") + "\n";
  out += "items     " + std::to_string(c.total()) + ": succeeded " + std::to_string(c.succeeded) + ", failed " +
         std::to_string(c.failed) + ", canceled " + std::to_string(c.canceled) + ", running " +
         std::to_string(c.running + c.submitting) + ", waiting " + std::to_string(c.queued + c.uploading) + "\n";
  out += "images    " + field("images", "produced") + " of " + field("images", "requested") + "\n";
  out += "cost      " + field("cost", "actual") + " (expected " + field("cost", "expected") + ")\n";
  out += "created   " + text_at(batch, "createdAt") + "\n";
  out += "finished  " + text_at(batch, "finishedAt") + "\n";
  if (const auto reason = text_at(batch, "reason"); reason != "-")
    out += "reason    " + reason + "\n";
  if (const auto retry_of = text_at(batch, "retryOf"); retry_of != "-")
    out += "retryOf   " + retry_of + "\n";
  return out;
}

} // namespace weshopd::cli
