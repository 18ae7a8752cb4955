#pragma once
// WeShopClient: the four WeShop endpoints over lib/http, with typed results.
//
// The API key is attached (raw, no "Bearer") only to requests whose origin is
// exactly the API origin: https://openapi.weshop.ai, or, in the explicit test
// mode (test_origin + ca_file), the simulator's origin. No other host ever
// sees it; it never appears in logs or error messages (fingerprint only).
//
// Errors say what happened and whether the request may have reached WeShop:
//   transport    - no HTTP response; maybe_sent tells if any byte left
//   http_status  - an HTTP error (or redirect) without a WeShop error envelope
//   api          - {"success": false, "error": {code, message, retryable}}
//   parse        - a response that is neither (maybe_sent is true)
//   local        - refused before sending (e.g. the file is not an image)
// Retry-After (seconds or HTTP-date) is passed on.

#include "http/client.hpp"
#include "common/time.hpp"
#include "upstream/api_key.hpp"
#include "weshop/envelope.hpp"
#include "weshop/run.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace weshopd::upstream {

inline constexpr std::string_view weshop_origin = "https://openapi.weshop.ai";

struct weshop_client_options {
  std::optional<std::string> test_origin{}; // the simulator; needs ca_file
  std::string ca_file{};
  http::client_options http{};
};

enum class error_kind { transport, http_status, api, parse, local };

struct upstream_error {
  error_kind kind = error_kind::transport;
  bool maybe_sent = true;
  unsigned http_status = 0;
  http::failure_kind transport = http::failure_kind::none;
  weshop::api_error api{};
  std::optional<std::chrono::seconds> retry_after{};
  std::string message;
};

// A value or an upstream_error: the project's result (common/error.hpp),
// whose error says what a retry decision needs, not only a code.
template <class T>
using outcome = boost::system::result<T, upstream_error>;

// How the last requests to WeShop went, for the dashboard's status header.
// An answer WeShop gave on purpose (even an error envelope for a bad request)
// counts as reachable; no answer, a 5xx or a 429 counts as trouble.
struct upstream_health {
  std::optional<timestamp> last_ok{};
  std::optional<timestamp> last_trouble{};
  std::string last_trouble_message{};
  std::uint64_t troubles_in_a_row = 0;
};

struct run_started {
  std::string execution_id;
};

class weshop_client {
public:
  // Throws std::invalid_argument for a bad test_origin (not https, no CA file)
  // and std::runtime_error for an unreadable CA file.
  weshop_client(boost::asio::any_io_executor executor, api_key key, weshop_client_options options = {});

  // POST /openapi/agent/assets/images (multipart, field "image", these bytes
  // as `filename`); the URL in data.image.
  boost::asio::awaitable<outcome<std::string>> upload_image(std::string bytes, std::string filename);
  // POST /openapi/agent/runs; meta.executionId.
  boost::asio::awaitable<outcome<run_started>> start_run(std::string agent, std::string version,
                                                         boost::json::object input, boost::json::object params,
                                                         std::optional<std::string> callback_url);
  // GET /openapi/agent/runs/{executionId}
  boost::asio::awaitable<outcome<weshop::run>> get_run(std::string execution_id);
  // GET /openapi/v1/agent/info?agentName=&agentVersion=; the data member.
  // `timeout` bounds the whole exchange (intake cannot wait long for it).
  boost::asio::awaitable<outcome<boost::json::value>> agent_info(std::string agent, std::string version,
                                                                 std::optional<std::chrono::milliseconds> timeout = {});

  const std::string& api_origin() const { return api_origin_; }
  http::client_stats http_stats() const { return http_.stats(); }
  const upstream_health& health() const { return health_; }

private:
  // One request, counted in /metrics by endpoint, status and outcome.
  boost::asio::awaitable<outcome<weshop::envelope>> call(std::string_view endpoint, http::request req);
  boost::asio::awaitable<outcome<weshop::envelope>> exchange(http::request req, unsigned& status);

  api_key key_;
  std::string api_origin_;
  http::client http_;
  upstream_health health_;
};

} // namespace weshopd::upstream
