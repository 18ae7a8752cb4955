#pragma once
// A client request as it goes on the wire: the Beast message the client
// writes, with Host, User-Agent and the body (a one-file form when the request
// names a file). Header names or values with a line break are refused, so a
// caller's text can never add a header or a request.

#include "http/client.hpp"
#include "http/origin.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>

namespace weshopd::http {

// Fills `out`; a failure (bad_request, nothing sent) when the request cannot go.
fetch_result to_wire(request& req, const origin& o, const boost::urls::url_view& url, boost::beast::http::verb verb,
                     const std::string& user_agent, boost::beast::http::request<boost::beast::http::string_body>& out);

} // namespace weshopd::http
