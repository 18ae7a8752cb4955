#include "engine/fair_queue.hpp"

#include <charconv>

namespace weshopd::engine {

std::optional<job_priority> parse_priority(std::string_view text)
{
  if (text == "high")
    return job_priority::high;
  if (text == "normal")
    return job_priority::normal;
  if (text == "low")
    return job_priority::low;
  return std::nullopt;
}

std::string_view priority_name(job_priority p)
{
  switch (p) {
  case job_priority::high: return "high";
  case job_priority::normal: return "normal";
  case job_priority::low: return "low";
  }
  return "normal";
}

std::string parse_weights(const std::vector<std::string>& entries, std::map<std::string, unsigned, std::less<>>& out)
{
  std::map<std::string, unsigned, std::less<>> parsed;
  for (const auto& e : entries) {
    const auto eq = e.find('=');
    const std::string_view digits = eq == std::string::npos ? std::string_view() : std::string_view(e).substr(eq + 1);
    unsigned w = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), w);
    if (eq == 0 || eq == std::string::npos || ec != std::errc{} || end != digits.data() + digits.size() || w < 1 ||
        w > 1000)
      return "\"" + e + "\": expected name=N with N from 1 to 1000";
    if (!parsed.emplace(e.substr(0, eq), w).second)
      return "\"" + e + "\": " + e.substr(0, eq) + " is weighted twice";
  }
  out = std::move(parsed);
  return {};
}

fair_queue::fair_queue(std::map<std::string, unsigned, std::less<>> weights) : weights_(std::move(weights)) {}

unsigned fair_queue::weight(const std::string& token) const
{
  const auto it = weights_.find(token);
  return it == weights_.end() ? 1 : it->second;
}

void fair_queue::push(const std::string& id, const std::string& token, const std::string& batch, job_priority priority)
{
  remove(id);
  jobs_.emplace(id, where{token, batch, priority});
  auto [t, new_token] = tokens_.try_emplace(token);
  if (new_token)
    round_.push_back(token);
  auto& l = t->second.levels[static_cast<std::size_t>(priority)];
  auto [ln, new_lane] = l.lanes.try_emplace(batch);
  if (new_lane)
    l.turn.push_back(batch);
  ln->second.insert(id);
  ++l.live;
  ++t->second.live;
}

bool fair_queue::remove(const std::string& id)
{
  const auto it = jobs_.find(id);
  if (it == jobs_.end())
    return false;
  const auto& w = it->second;
  auto& t = tokens_.at(w.token);
  auto& l = t.levels[static_cast<std::size_t>(w.priority)];
  l.lanes.at(w.batch).erase(id); // an emptied lane stays until its turn comes
  --l.live;
  --t.live;
  jobs_.erase(it);
  return true;
}

std::string fair_queue::pop_from(level& l)
{
  for (;;) {
    const std::string batch = l.turn.front();
    l.turn.pop_front();
    auto ln = l.lanes.find(batch);
    if (ln->second.empty()) {
      l.lanes.erase(ln); // emptied by remove()
      continue;
    }
    std::string id = std::move(ln->second.extract(ln->second.begin()).value());
    --l.live;
    jobs_.erase(id);
    if (!ln->second.empty())
      l.turn.push_back(batch);
    else
      l.lanes.erase(ln);
    return id;
  }
}

std::string fair_queue::pop_from(token_queue& t)
{
  for (auto& l : t.levels)
    if (l.live > 0) {
      --t.live;
      return pop_from(l);
    }
  return {}; // not reached: callers check t.live
}

std::optional<std::string> fair_queue::pop()
{
  while (!round_.empty()) {
    const std::string token = round_.front();
    auto t = tokens_.find(token);
    if (t->second.live == 0) { // emptied by remove(): drop it and its dead entries
      tokens_.erase(t);
      round_.pop_front();
      turns_left_ = 0;
      continue;
    }
    if (turns_left_ == 0)
      turns_left_ = weight(token);
    auto id = pop_from(t->second);
    if (--turns_left_ == 0 || t->second.live == 0) {
      round_.pop_front();
      turns_left_ = 0;
      if (t->second.live > 0)
        round_.push_back(token);
      else
        tokens_.erase(t);
    }
    return id;
  }
  return std::nullopt;
}

} // namespace weshopd::engine
