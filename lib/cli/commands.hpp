#pragma once
// weshopctl's commands over the local API. Each returns the process' exit code:
//   0  done: the job succeeded, or the command did what it was asked
//   1  the job failed or was canceled; or it does not exist / cannot be canceled
//   2  usage: bad arguments, or a request weshopd refused as invalid (400/415/422)
//   3  weshopd is unreachable, refuses the token, or cannot take the request (5xx)
// Results go to `out` (JSON with --json), explanations to `err`.

#include "cli/batch_request.hpp"
#include "cli/local_client.hpp"
#include "cli/submit_request.hpp"
#include "http/address_policy.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace weshopd::cli {

enum exit_code : int { done = 0, job_failed = 1, usage = 2, daemon_unavailable = 3 };

struct output {
  std::ostream& out;
  std::ostream& err;
  bool json = false;
};

struct submit_options {
  submit_args request;
  std::string idempotency_key;
  bool wait = false;
};

struct list_options {
  std::string state;
  std::string agent;
  unsigned limit = 50;
  bool all = false; // every page
};

struct watch_options {
  std::optional<std::string> id; // one job (ends when it does), or every job's events
  bool tty = false;              // a live display per job; otherwise one line per event
};

struct download_options {
  std::string id;
  std::string dir = ".";
  std::string ca_file; // for result hosts the system does not trust (the simulator's)
  http::address_policy outbound{}; // result hosts: public addresses, plus these networks
};

struct backup_options {
  std::string file;   // where the copy goes (FILE.partial while it is written)
  bool force = false; // replace an existing FILE
};

struct batch_submit_options {
  batch_args request;
  bool wait = false; // follow it as `batch watch`; exit code by its outcome
  bool tty = false;
};

struct batch_watch_options {
  std::string id;
  bool tty = false; // a progress bar redrawn in place; otherwise one line per change of the counts
};

int submit(local_client& api, const submit_options& o, output io);
int status(local_client& api, const std::string& id, output io);
int list(local_client& api, const list_options& o, output io);
int cancel(local_client& api, const std::string& id, output io);
int watch(local_client& api, const watch_options& o, output io);
int agents(local_client& api, output io);
int download(local_client& api, const download_options& o, output io);
// 1 when no copy was written: refused (403, 409), not made, or it failed its checksum.
int backup(local_client& api, const backup_options& o, output io);

// weshopctl batch ...: a batch's exit code is 0 when it succeeded (or, for
// status/list/cancel/retry, when the command did what it was asked), 1 otherwise.
int batch_submit(local_client& api, const batch_submit_options& o, output io);
int batch_status(local_client& api, const std::string& id, output io);
int batch_watch(local_client& api, const batch_watch_options& o, output io);
int batch_cancel(local_client& api, const std::string& id, output io);
int batch_retry(local_client& api, const std::string& id, output io);
int batch_list(local_client& api, unsigned limit, output io);
// Every item's results into o.dir, named after the item (shirt.png -> shirt-1.png, ...).
int batch_download(local_client& api, const download_options& o, output io);

} // namespace weshopd::cli
