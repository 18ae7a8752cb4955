#pragma once
// The queue of jobs waiting to be submitted to WeShop, served fairly. Pure;
// not thread-safe (the engine's strand owns it).
//
// Order of service:
//   1. round-robin across API tokens (the names of api.token_file; "" when
//      there is one), a token with weight w (scheduler.weights = ["shop-a=3"])
//      taking w turns per round, 1 by default: a job of a second token is
//      served within one round, even behind 10,000 jobs of another;
//   2. within a token, its highest priority first (high > normal > low: the
//      issue's "high goes first within its token's share");
//   3. within that priority, round-robin across lanes: each batch is a lane,
//      the token's single jobs are one more, so a batch cannot starve the
//      single jobs of its own token (nor another batch);
//   4. within a lane, in id order: weshopd's job ids are UUIDv7, whose text
//      sorts in creation order, so this is first in, first out, and a job
//      pushed again (refused with 429, released from a budget hold, resumed
//      after a restart) takes its old place, not the back of the line.
// push, pop and remove are O(log n) (amortized: a lane or token left empty
// by remove() is dropped when its turn comes).

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace weshopd::engine {

enum class job_priority { high = 0, normal = 1, low = 2 };
std::optional<job_priority> parse_priority(std::string_view text);
std::string_view priority_name(job_priority p);

// scheduler.weights: "name=N" with N a whole number 1..1000. Empty on success,
// else what is wrong with which entry.
std::string parse_weights(const std::vector<std::string>& entries, std::map<std::string, unsigned, std::less<>>& out);

class fair_queue {
public:
  explicit fair_queue(std::map<std::string, unsigned, std::less<>> weights = {});

  // Adds a waiting job; `batch` empty for a single job. A job already
  // waiting moves to its new token, batch or priority.
  void push(const std::string& id, const std::string& token, const std::string& batch, job_priority priority);
  // The next job to submit (and forgets it); none when empty.
  std::optional<std::string> pop();
  // Forgets a waiting job (canceled, held); false when it was not waiting.
  bool remove(const std::string& id);
  std::size_t size() const { return jobs_.size(); }
  bool empty() const { return jobs_.empty(); }

  void set_weights(std::map<std::string, unsigned, std::less<>> weights) { weights_ = std::move(weights); }

private:
  using lane = std::set<std::string>; // job ids, in creation order
  // Every lane in `lanes` is in `turn` once; every token in `tokens_`, in round_ once.
  struct level { // one priority of one token
    std::map<std::string, lane, std::less<>> lanes;
    std::deque<std::string> turn; // the lanes with live jobs, next first
    std::size_t live = 0;
  };
  struct token_queue {
    std::array<level, 3> levels{};
    std::size_t live = 0;
  };
  struct where {
    std::string token, batch;
    job_priority priority;
  };

  std::string pop_from(token_queue& t);
  std::string pop_from(level& l);
  unsigned weight(const std::string& token) const;

  std::map<std::string, unsigned, std::less<>> weights_;
  std::unordered_map<std::string, where> jobs_;
  std::map<std::string, token_queue, std::less<>> tokens_;
  std::deque<std::string> round_; // tokens with live jobs, the one being served first
  unsigned turns_left_ = 0;       // of round_.front()
};

} // namespace weshopd::engine
