#include "store/api_responses.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace inferno::store {
namespace {

// A response's text is bounded as a conversation's messages are (the context of a model).
constexpr size_t kMaxResponseBytes = 64 << 20;

void InsertItems(SQLite::Database& db, const StoredResponse& r) {
  SQLite::Statement q(db,
                      "INSERT OR IGNORE INTO api_response_items (id, response_id, item) "
                      "VALUES (?, ?, ?)");
  for (const StoredItem& item : r.items) {
    q.bind(1, item.id);
    q.bind(2, r.id);
    q.bind(3, item.json);
    q.exec();
    q.reset();
  }
}

}  // namespace

Status ApiResponses::SaveResponse(const StoredResponse& r) {
  if (r.id.empty() || r.id.size() > 128) {
    return Status::InvalidArgument("a stored response needs an id of 1 to 128 bytes");
  }
  if (r.input.size() + r.response.size() > kMaxResponseBytes) {
    return Status::OutOfRange("response " + r.id + " is too large to store");
  }
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Transaction tx(db_.connection());
    SQLite::Statement q(db_.connection(),
                        "INSERT INTO api_responses (id, previous_id, model, input, response, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, r.id);
    q.bind(2, r.previous_id);
    q.bind(3, r.model);
    q.bind(4, r.input);
    q.bind(5, r.response);
    q.bind(6, r.created_at);
    q.exec();
    InsertItems(db_.connection(), r);
    tx.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("saving response " + r.id, e);
  }
}

Result<StoredResponse> ApiResponses::GetResponse(const std::string& id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "SELECT previous_id, model, input, response, created_at FROM "
                        "api_responses WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return Status::NotFound("no response '" + id + "'");
    StoredResponse r;
    r.id = id;
    r.previous_id = q.getColumn(0).getString();
    r.model = q.getColumn(1).getString();
    r.input = q.getColumn(2).getString();
    r.response = q.getColumn(3).getString();
    r.created_at = q.getColumn(4).getInt64();
    return r;
  } catch (const std::exception& e) {
    return db_.Failed("reading response " + id, e);
  }
}

Status ApiResponses::DeleteResponse(const std::string& id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "DELETE FROM api_responses WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0) return Status::NotFound("no response '" + id + "'");
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting response " + id, e);
  }
}

Result<std::string> ApiResponses::GetResponseItem(const std::string& item_id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "SELECT item FROM api_response_items WHERE id = ?");
    q.bind(1, item_id);
    if (!q.executeStep()) return Status::NotFound("no item '" + item_id + "'");
    return q.getColumn(0).getString();
  } catch (const std::exception& e) {
    return db_.Failed("reading item " + item_id, e);
  }
}

}  // namespace inferno::store
