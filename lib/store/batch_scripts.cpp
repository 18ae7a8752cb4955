// The store's batch scripts, once for both backends (job_scripts.hpp): a
// batch stored with all its items in one transaction, its counts kept with
// each item's change, its cancel, and its reads.

#include "store/job_rows.hpp"
#include "store/job_scripts.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace weshopd::store::scripts {

namespace {

// Booleans selected as integers (PostgreSQL's are booleans, SQLite's integers).
constexpr std::string_view batch_columns =
  "id, agent, agent_version, params, request_hash, idempotency_key, token_name, items, images, cost,"
  " images_produced, n_queued, n_uploading, n_submitting, n_running, n_succeeded, n_failed, n_canceled,"
  " notify_url, CAST(notify_all AS integer), retry_of, CAST(cancel_requested AS integer), CAST(held AS integer),"
  " created_at, updated_at, started_at, finished_at, priority";

batch read_batch(const sql_row& r)
{
  batch b;
  b.id = r.text(0);
  b.agent = r.text(1);
  b.agent_version = r.text(2);
  b.params = boost::json::parse(r.text(3)).as_object();
  b.request_hash = r.text(4);
  b.idempotency_key = r.opt_text(5);
  b.token_name = r.opt_text(6);
  b.items = r.int64(7);
  b.images = r.int64(8);
  b.cost = r.int64(9);
  b.images_produced = r.int64(10);
  for (std::size_t s = 0; s < b.counts.size(); ++s)
    b.counts[s] = r.int64(11 + static_cast<int>(s));
  b.notify_url = r.opt_text(18);
  b.notify_all = r.int64(19) != 0;
  b.retry_of = r.opt_text(20);
  b.cancel_requested = r.int64(21) != 0;
  b.held = r.int64(22) != 0;
  b.created_at = from_unix_ms(r.int64(23));
  b.updated_at = from_unix_ms(r.int64(24));
  b.started_at = opt_time(r, 25);
  b.finished_at = opt_time(r, 26);
  b.priority = r.text(27);
  return b;
}

std::string select_batches(std::string_view where)
{
  return "SELECT " + std::string(batch_columns) + " FROM batches " + std::string(where);
}

// What the items count against budgets now: the same rule as usage (spend_expression).
std::int64_t spent_by(sql_db& db, const std::string& batch_id)
{
  const auto sql = "SELECT CAST(coalesce(sum(" + std::string(spend_expression) + "), 0) AS bigint)"
                   " FROM jobs WHERE batch_id = ?1";
  return first_row(db, sql, sql_args().add(batch_id), [](const sql_row& r) { return r.int64(0); }).value_or(0);
}

std::optional<batch> batch_where(sql_db& db, std::string_view where, const sql_args& args)
{
  auto b = first_row(db, select_batches(where), args, read_batch);
  if (b)
    b->spent = spent_by(db, b->id);
  return b;
}

// The batch an Idempotency-Key already names (per API token, as for jobs).
std::optional<result<batch_insert_result>> batch_by_key(sql_db& db, const new_batch& b)
{
  auto found = batch_where(db, "WHERE coalesce(token_name, '') = ?1 AND idempotency_key = ?2",
                           sql_args().add(b.token_name.value_or("")).add(*b.idempotency_key));
  if (!found)
    return std::nullopt;
  if (found->request_hash != b.request_hash)
    return result<batch_insert_result>(errc::idempotency_conflict);
  return result<batch_insert_result>(batch_insert_result{std::move(*found), false});
}

bool insert_batch_row(sql_db& db, const new_batch& b, const std::string& id, std::int64_t images,
                      std::int64_t cost, bool held, const write_context& c)
{
  const auto items = static_cast<std::int64_t>(b.items.size());
  auto args = sql_args().add(id).add(b.agent).add(b.agent_version).add(boost::json::serialize(b.params));
  args.add(b.request_hash).add(b.idempotency_key).add(b.token_name).add(items).add(images).add(cost);
  args.add(b.notify_url).add(b.notify_all).add(b.retry_of).add(held).add(to_unix_ms(c.now)).add(b.priority);
  return db.run("INSERT INTO batches (id, agent, agent_version, params, request_hash, idempotency_key, token_name,"
                " items, images, cost, n_queued, notify_url, notify_all, retry_of, held, created_at, updated_at,"
                " priority)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?8, ?11, ?12, ?13, ?14, ?15, ?15, ?16)"
                " ON CONFLICT DO NOTHING",
                args) > 0;
}

} // namespace

result<batch_insert_result> insert_batch(sql_db& db, const new_batch& b, const std::vector<std::string>& ids,
                                         const write_context& c)
{
  if (b.idempotency_key)
    if (auto existing = batch_by_key(db, b))
      return std::move(*existing);
  std::int64_t images = 0, cost = 0;
  for (const auto& item : b.items) {
    images += item.images;
    cost += item.images * item.unit_price;
  }
  // One admission for the whole batch, atomic with the insert (as a job's).
  const auto usage = usage_of(db, b.admit);
  const bool over = !budget::fits(b.admit.limits, usage.used, cost);
  if (over && !b.admit.hold_when_over)
    return errc::budget_exceeded;
  if (!insert_batch_row(db, b, ids.at(0), images, cost, over, c)) { // another host took the key meanwhile
    auto existing = batch_by_key(db, b);
    return existing ? std::move(*existing) : result<batch_insert_result>(errc::stale_state);
  }
  batch_insert_result out;
  out.created = true;
  out.items.reserve(b.items.size());
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    auto item = b.items[i];
    item.batch_id = ids.at(0);
    item.batch_index = static_cast<std::int64_t>(i);
    auto context = c;
    context.new_id = ids.at(i + 1);
    out.items.push_back(insert_job_row(db, item, context, over));
  }
  if (!over)
    out.alerts = announce(db, b.admit, usage, cost);
  out.created_or_existing = *batch_where(db, "WHERE id = ?1", sql_args().add(ids.at(0)));
  return out;
}

// The transition that finishes the batch (its last item's) also queues the
// batch's own notification, on that item's event: written in the same
// transaction, so it is owed exactly once and survives a crash as a job's does.
void count_batch_item(sql_db& db, const job& item, job_state from, job_state to, const write_context& c)
{
  const auto finished_delta = (is_terminal(to) ? 1 : 0) - (is_terminal(from) ? 1 : 0);
  const bool starts = from == job_state::queued && (to == job_state::uploading || to == job_state::submitting);
  const std::int64_t produced = to == job_state::succeeded ? item.images_actual.value_or(item.images) : 0;
  const auto left = "n_" + std::string(to_string(from));
  const auto entered = "n_" + std::string(to_string(to));
  db.run("UPDATE batches SET " + left + " = " + left + " - 1, " + entered + " = " + entered + " + 1,"
         " updated_at = CAST(?1 AS bigint), images_produced = images_produced + CAST(?2 AS bigint),"
         " started_at = coalesce(started_at, CASE WHEN CAST(?3 AS boolean) THEN CAST(?1 AS bigint) END),"
         " finished_at = CASE WHEN n_succeeded + n_failed + n_canceled + CAST(?4 AS bigint) = items"
         " THEN CAST(?1 AS bigint) ELSE NULL END WHERE id = ?5",
         sql_args().add(to_unix_ms(c.now)).add(produced).add(starts).add(std::int64_t{finished_delta}).add(*item.batch_id));
  if (finished_delta <= 0)
    return;
  const auto notify = first_row(db, "SELECT notify_url FROM batches WHERE id = ?1 AND finished_at IS NOT NULL",
                                sql_args().add(*item.batch_id), [](const sql_row& r) { return r.opt_text(0); });
  // finished_at is set only by the item that completes the count (terminal states are final).
  if (notify && *notify)
    db.run("INSERT INTO deliveries (job_id, event_id, url, next_attempt_at, created_at, batch_id)"
           " VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
           sql_args().add(item.id).add(item.last_event_id).add(**notify).add(to_unix_ms(c.now)).add(*item.batch_id));
}

result<batch_cancel_result> cancel_batch(sql_db& db, const std::string& id, const write_context& c)
{
  const auto& d = db.dialect();
  if (!first_row(db, "SELECT id FROM batches WHERE id = ?1" + std::string(d.for_update), sql_args().add(id),
                 [](const sql_row& r) { return r.text(0); }))
    return errc::not_found;
  db.run("UPDATE batches SET cancel_requested = TRUE, updated_at = ?2 WHERE id = ?1",
         sql_args().add(id).add(to_unix_ms(c.now)));
  batch_cancel_result out;
  const auto waiting = all_rows(db, select_jobs(d, "WHERE batch_id = ?1 AND state = 'queued'"
                                                   " ORDER BY batch_index"),
                                sql_args().add(id), [](const sql_row& r) { return read_job(r); });
  const std::string detail = "canceled with its batch";
  for (const auto& j : waiting)
    if (auto canceled = transition(db, j.id, j.state, job_state::canceled, {}, detail, c))
      out.canceled.push_back(std::move(*canceled));
  out.in_flight = all_rows(db, "SELECT id FROM jobs WHERE batch_id = ?1 AND state IN ('uploading', 'submitting', 'running')"
                               " ORDER BY batch_index",
                           sql_args().add(id), [](const sql_row& r) { return r.text(0); });
  out.current = *batch_where(db, "WHERE id = ?1", sql_args().add(id));
  return out;
}

result<batch> get_batch(sql_db& db, std::string_view id)
{
  auto b = batch_where(db, "WHERE id = ?1", sql_args().add(id));
  if (!b)
    return errc::not_found;
  return std::move(*b);
}

batch_page list_batches(sql_db& db, const batch_query& query)
{
  std::string where = "WHERE 1 = 1";
  sql_args args;
  if (query.before_id) {
    args.add(*query.before_id);
    where += " AND id < ?" + std::to_string(args.values().size());
  }
  if (query.token) {
    args.add(*query.token);
    where += " AND token_name = ?" + std::to_string(args.values().size());
  }
  args.add(static_cast<std::int64_t>(query.limit) + 1);
  where += " ORDER BY id DESC LIMIT ?" + std::to_string(args.values().size());
  batch_page page;
  page.batches = all_rows(db, select_batches(where), args, read_batch);
  if (page.batches.size() > query.limit) {
    page.batches.resize(query.limit);
    page.next_before = page.batches.back().id;
  }
  for (auto& b : page.batches)
    b.spent = spent_by(db, b.id);
  return page;
}

std::vector<job> batch_items(sql_db& db, std::string_view batch_id, std::int64_t from, std::size_t limit)
{
  return all_rows(db, select_jobs(db.dialect(), "WHERE batch_id = ?1 AND batch_index >= ?2 ORDER BY batch_index LIMIT ?3"),
                  sql_args().add(batch_id).add(from).add(static_cast<std::int64_t>(limit)),
                  [](const sql_row& r) { return read_job(r); });
}

std::vector<job_event> batch_events(sql_db& db, std::string_view batch_id, std::int64_t after_event_id, std::size_t limit)
{
  return all_rows(db,
                  "SELECT e.id, e.job_id, e.from_state, e.to_state, e.at, e.detail FROM job_events e"
                  " JOIN jobs j ON j.id = e.job_id WHERE j.batch_id = ?1 AND e.id > ?2 ORDER BY e.id LIMIT ?3",
                  sql_args().add(batch_id).add(after_event_id).add(static_cast<std::int64_t>(limit)),
                  [](const sql_row& r) { return read_event(r); });
}

} // namespace weshopd::store::scripts
