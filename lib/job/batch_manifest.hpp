#pragma once
// A batch's results manifest (GET /v1/batches/{id}/results): one line per
// item, as JSON Lines or as CSV, written a line at a time so that a route can
// stream a batch of any size page by page. Pure and thread-safe.
//
// JSON Lines ("\n" ends each line; control characters in strings are escaped,
// so a line never breaks):
//   {"index":0,"name":"shirt.png","jobId":"...","state":"succeeded","input":{...},
//    "error":{"code":"...","message":"..."},             (only when the job has one)
//    "results":[{"url":"...","localUrl":"...","sha256":"...","bytes":123}]}
// Each result carries only the fields it has: `url` is WeShop's image URL,
// the other three appear once the image is mirrored (results.mirror).
//
// CSV (RFC 4180: "\r\n" line ends; a field holding a comma, quote, CR or LF
// is quoted, its quotes doubled), the header line first:
//   index,name,job_id,state,error_code,input_image,result_urls,local_urls,sha256s
// The three list columns hold one word per result, in result order, joined
// by single spaces (a space inside a URL is written %20): split them on " "
// and the k-th words belong together. A result lacking the field leaves its
// word empty; a column where no result has it is empty.

#include "job/job.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace weshopd {

// The JSON object of one item's line.
boost::json::object manifest_object(std::size_t index, std::string_view name, const job& item);

// One JSON Lines line, "\n" included.
std::string manifest_jsonl_line(std::size_t index, std::string_view name, const job& item);

// The CSV header line, "\r\n" included.
std::string manifest_csv_header();

// One CSV line, "\r\n" included.
std::string manifest_csv_line(std::size_t index, std::string_view name, const job& item);

// The item's input image: input.originalImage, else the first image input of
// its agent (the catalog's order) that is present; empty when none is.
std::string manifest_input_image(const job& item);

} // namespace weshopd
