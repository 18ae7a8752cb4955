#include "metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace weshopd::metrics {

histogram::histogram(std::vector<double> upper_bounds)
  : bounds_(std::move(upper_bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1])
{
  for (std::size_t i = 0; i <= bounds_.size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v)
{
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const
{
  snapshot s{bounds_, {}, sum_.load(std::memory_order_relaxed)};
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i)
    s.cumulative.push_back(running += counts_[i].load(std::memory_order_relaxed));
  return s;
}

std::vector<double> latency_buckets()
{
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

registry::family& registry::family_of(const std::string& name, const std::string& help, const std::string& type)
{
  auto [it, created] = families_.try_emplace(name);
  if (created) {
    it->second.help = help;
    it->second.type = type;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + name + " registered as " + it->second.type + " and " + type);
  }
  return it->second;
}

counter& registry::counter_of(const std::string& name, const std::string& help, const labels& l)
{
  std::lock_guard lock(mutex_);
  auto& slot = family_of(name, help, "counter").counters[l];
  if (!slot)
    slot = std::make_unique<counter>();
  return *slot;
}

histogram& registry::histogram_of(const std::string& name, const std::string& help, const labels& l,
                                  const std::vector<double>& upper_bounds)
{
  std::lock_guard lock(mutex_);
  auto& slot = family_of(name, help, "histogram").histograms[l];
  if (!slot)
    slot = std::make_unique<histogram>(upper_bounds);
  return *slot;
}

void registry::collect(const std::string& name, const std::string& help, const std::string& type,
                       std::function<std::vector<sample>()> read)
{
  std::lock_guard lock(mutex_);
  family_of(name, help, type).read = std::move(read);
}

namespace {

std::string number(double v)
{
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v))
    return "NaN";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest exact form
  return {buf, r.ptr};
}

void escape_into(std::string& out, std::string_view text, bool quote_too)
{
  for (const char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote_too)
      out += "\\\"";
    else
      out += c;
  }
}

std::string label_text(const labels& l, const std::pair<std::string, std::string>* extra = nullptr)
{
  if (l.empty() && !extra)
    return {};
  std::string out = "{";
  auto add = [&](const std::pair<std::string, std::string>& kv) {
    if (out.size() > 1)
      out += ',';
    out += kv.first;
    out += "=\"";
    escape_into(out, kv.second, true);
    out += '"';
  };
  for (const auto& kv : l)
    add(kv);
  if (extra)
    add(*extra);
  out += '}';
  return out;
}

} // namespace

std::string registry::render() const
{
  // Collectors run outside the lock: they may take locks of their own.
  std::vector<std::pair<std::string, std::function<std::vector<sample>()>>> reads;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, f] : families_)
      if (f.read)
        reads.emplace_back(name, f.read);
  }
  std::map<std::string, std::vector<sample>> collected;
  for (const auto& [name, read] : reads)
    collected[name] = read();

  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " ";
    escape_into(out, f.help, false);
    out += "\n# TYPE " + name + " " + f.type + "\n";
    for (const auto& [l, c] : f.counters)
      out += name + label_text(l) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [l, h] : f.histograms) {
      const auto s = h->read();
      for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
        const std::pair<std::string, std::string> le{
          "le", i < s.upper_bounds.size() ? number(s.upper_bounds[i]) : std::string("+Inf")};
        out += name + "_bucket" + label_text(l, &le) + " " + std::to_string(s.cumulative[i]) + "\n";
      }
      out += name + "_sum" + label_text(l) + " " + number(s.sum) + "\n";
      out += name + "_count" + label_text(l) + " " + std::to_string(s.cumulative.back()) + "\n";
    }
    if (const auto it = collected.find(name); it != collected.end())
      for (const auto& [l, v] : it->second)
        out += name + label_text(l) + " " + number(v) + "\n";
  }
  return out;
}

registry& process_registry()
{
  static registry r;
  return r;
}

namespace {

// Fields of /proc/self/stat after the command name (which may hold spaces).
std::vector<std::string> self_stat()
{
  std::ifstream in("/proc/self/stat");
  std::string text{std::istreambuf_iterator<char>(in), {}};
  const auto close = text.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos)
    return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string f; rest >> f;)
    fields.push_back(f);
  return fields; // fields[0] is the state (field 3 of proc(5))
}

double boot_time_seconds()
{
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("btime ", 0) == 0)
      return std::stod(line.substr(6));
  return 0;
}

} // namespace

void collect_process_metrics(registry& r)
{
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // proc(5) field n is self_stat()[n - 3].
  r.collect("process_cpu_seconds_total", "User and system CPU time spent in seconds.", "counter", [ticks] {
    const auto f = self_stat();
    if (f.size() < 13)
      return std::vector<registry::sample>{};
    return std::vector<registry::sample>{{{}, (std::stod(f[11]) + std::stod(f[12])) / ticks}};
  });
  r.collect("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", [page] {
    const auto f = self_stat();
    if (f.size() < 22)
      return std::vector<registry::sample>{};
    return std::vector<registry::sample>{{{}, std::stod(f[21]) * page}};
  });
  r.collect("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
            [ticks, boot = boot_time_seconds()] {
              const auto f = self_stat();
              if (f.size() < 20)
                return std::vector<registry::sample>{};
              return std::vector<registry::sample>{{{}, boot + std::stod(f[19]) / ticks}};
            });
  r.collect("process_open_fds", "Number of open file descriptors.", "gauge", [] {
    std::error_code ec;
    double n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      ++n;
    return std::vector<registry::sample>{{{}, n}};
  });
}

} // namespace weshopd::metrics
