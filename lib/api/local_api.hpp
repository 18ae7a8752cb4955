#pragma once
// The local REST API (DESIGN.md, "Local REST API (v1)"): routes, request
// checks and JSON in and out. Knows HTTP and JSON; leaves jobs to the engine
// and reads to the store. No SQL, no sockets.

#include "api/backup_api.hpp"
#include "api/batch_archive_api.hpp"
#include "api/batch_stream.hpp"
#include "api/dashboard_api.hpp"
#include "api/dispatch.hpp"
#include "api/duplicate_breaker.hpp"
#include "budget/budget_policy.hpp"
#include "common/live.hpp"
#include "api/event_stream.hpp"
#include "api/notify_field.hpp"
#include "api/preset_check.hpp"
#include "engine/engine.hpp"
#include "http/browser_guard.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "store/async_jobs.hpp"
#include "weshop/validate.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <set>
#include <variant>

namespace weshopd::api {

struct api_token {
  std::string name;
  std::string secret;
  bool admin = false; // sees and acts on every job, not only its own (token scopes)
};

// tokens, default_notify and budget are the start's: local_api::apply replaces them.
struct api_options {
  // Where jobs' local images are read and copied (null: none are accepted).
  std::shared_ptr<files::local_inputs> local_files{};
  event_stream_options events{};
  std::size_t max_streams = 256; // event streams and ?wait long-polls at once (limits.max_streams)
  bool notify_enabled = false;                 // a signing secret is configured
  std::optional<notify_target> default_notify{}; // for jobs that name none
  // When any, every route but /healthz and the dashboard's files needs
  // "Authorization: Bearer <secret>" of one of them; its name is the
  // request's principal (per-token budgets). With more than one name, a
  // token that is not admin sees only its own jobs (api/job_scope.hpp).
  std::vector<api_token> tokens{};
  std::vector<std::string> allowed_hosts{};     // Host names besides localhost and IP literals (api.allowed_hosts)
  // Awaited before /metrics is rendered (e.g. to read gauges that take a database read).
  std::function<boost::asio::awaitable<void>()> before_metrics{};
  // Prices always, limits when configured (default: each image costs 1, no limits).
  std::shared_ptr<const budget::budget_policy> budget = std::make_shared<const budget::budget_policy>();
  std::function<timestamp()> clock = now_ms;             // which budget window it is
  std::size_t identical_requests = 20;                   // the duplicate breaker (breaker.*)
  std::chrono::seconds identical_window{60};
  // configReload in GET /v1/status (null before the first reload); none: no such field.
  std::function<boost::json::value()> config_reload{};
  // What GET /healthz says this daemon was built from (daemon/build_info.hpp).
  std::string version = "unknown";
  std::string commit = "unknown";
  // results.dir when results.mirror is on: batches' ZIPs are made of its copies (empty: off).
  std::string mirror_dir{};
};

// What a reload (SIGHUP) replaces while requests run: every request reads one
// snapshot of it (local_api::apply).
struct api_live {
  std::vector<api_token> tokens;
  std::optional<notify_target> default_notify;
  std::shared_ptr<const budget::budget_policy> budget;
};

struct batch_problems; // batch_intake.cpp

class local_api {
public:
  local_api(engine::engine& engine, store::job_store& store, api_options options);

  boost::asio::awaitable<http::outgoing> handle(http::incoming& req);
  // A reload: requests from now on see the new tokens, notify default and
  // budget (each request checks its token against one snapshot). Thread-safe.
  void apply(api_live next);

private:
  boost::asio::awaitable<http::outgoing> answer(http::incoming& req); // handle(), before the security headers
  std::variant<store::new_job, http::outgoing> read_new_job(const http::incoming& req) const;
  struct notify_request {
    std::optional<notify_target> target; // the default when the body names none
    boost::json::value field;            // as given, for the request hash
    weshop::violations problems;
  };
  notify_request take_notify(boost::json::value& body) const;
  std::map<std::string, files::image_file> read_local_images(const boost::json::value& body,
                                                             weshop::violations& problems) const;
  files::image_read read_local_image(std::string_view path) const;
  boost::asio::awaitable<http::outgoing> create_job(http::incoming& req);
  boost::asio::awaitable<http::outgoing> submit_new_job(store::new_job& j, const http::incoming& req);
  boost::asio::awaitable<http::outgoing> usage(http::incoming& req);
  // Batches (batch_intake.cpp, batch_routes.cpp).
  std::variant<store::new_batch, http::outgoing> read_new_batch(const http::incoming& req) const;
  std::optional<store::new_job> read_batch_item(const boost::json::value& agent, const boost::json::object& shared,
                                                const boost::json::value& given, std::size_t index,
                                                batch_problems& all, std::set<std::string>& seen,
                                                std::optional<http::outgoing>& refusal) const;
  std::variant<store::new_batch, http::outgoing>
  finish_new_batch(const http::incoming& req, store::new_batch b, const boost::json::object& agent,
                   boost::json::object shared, const std::string& request_hash,
                   const std::optional<notify_target>& notify) const;
  static store::new_job retry_item(const job& item);
  boost::asio::awaitable<http::outgoing> over_budget(budget::admission admission, std::int64_t cost);
  boost::asio::awaitable<http::outgoing> create_batch(http::incoming& req);
  boost::asio::awaitable<http::outgoing> submit_new_batch(store::new_batch& b);
  boost::asio::awaitable<http::outgoing> retry_batch(http::incoming& req);
  // The batch, or the answer when it does not exist for this request (404).
  boost::asio::awaitable<std::variant<batch, http::outgoing>> visible_batch(const http::incoming& req, std::string id);
  boost::asio::awaitable<http::outgoing> get_batch(http::incoming& req);
  boost::asio::awaitable<http::outgoing> list_batches(http::incoming& req);
  boost::asio::awaitable<http::outgoing> cancel_batch(http::incoming& req);
  boost::asio::awaitable<http::outgoing> batch_results(http::incoming& req);
  boost::asio::awaitable<http::outgoing> batch_archive(http::incoming& req);
  boost::asio::awaitable<http::outgoing> retry_job(http::incoming& req);
  boost::asio::awaitable<http::outgoing> get_job(http::incoming& req);
  boost::asio::awaitable<http::outgoing> list_jobs(http::incoming& req);
  boost::asio::awaitable<http::outgoing> cancel_job(http::incoming& req);
  boost::asio::awaitable<http::outgoing> agents(http::incoming& req);
  boost::asio::awaitable<http::outgoing> agent_info(http::incoming& req);
  boost::asio::awaitable<http::outgoing> health(http::incoming& req);
  boost::asio::awaitable<http::outgoing> result_file(http::incoming& req);
  boost::asio::awaitable<http::outgoing> metrics_text(http::incoming& req); // Prometheus text

  engine::engine& engine_;
  store::job_store& store_; // its view cache
  store::async_jobs jobs_{store_};
  api_options options_;
  stream_slots streams_;
  preset_check presets_;
  event_stream events_;
  batch_stream batch_events_;
  batch_archive_api archives_;
  dashboard_api dashboard_;
  backup_api backup_;
  duplicate_breaker breaker_;
  http::browser_guard guard_;
  http::router<route> routes_;
  // api_live, with whether its tokens carry more than one name (then scopes apply).
  struct access : api_live {
    bool scoped_tokens = false;
  };
  static access make_access(api_live from);
  common::live<access> live_;
};

} // namespace weshopd::api
