#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <filesystem>

#include "store/integrity.h"
#include "store/migrations.h"
#include "store/timestamps.h"

namespace inferno::store {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr int kBusyTimeoutMs = 5000;
constexpr int kQuickCheckLines = 5;  // enough to say what is wrong; `db check` lists them all

// An existing database must pass quick_check before it is opened for writing: switching it
// to WAL or migrating it would write into a damaged file.
Status CheckExisting(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::Ok();  // a new database
  Result<std::vector<std::string>> lines = QuickCheck(path, kQuickCheckLines);
  if (!lines.ok()) return lines.status();
  if (lines->size() == 1 && lines->front() == "ok") return Status::Ok();
  std::string problem = "quick_check: ";
  for (size_t i = 0; i < lines->size(); ++i) problem += (i ? "; " : "") + (*lines)[i];
  return DamagedDatabase(path, problem);
}

Status TooLong(const char* what, size_t size, size_t limit) {
  return Status::OutOfRange(std::string(what) + " is " + std::to_string(size) +
                            " bytes; the limit is " + std::to_string(limit));
}

Status CheckText(const char* what, const std::optional<std::string>& s, size_t limit) {
  if (s && s->size() > limit) return TooLong(what, s->size(), limit);
  return Status::Ok();
}

Status CheckJson(const char* what, const std::optional<json::object>& o) {
  if (!o) return Status::Ok();
  const size_t size = json::serialize(*o).size();
  if (size > Limits::kJson) return TooLong(what, size, Limits::kJson);
  return Status::Ok();
}

json::object ParseObject(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

// LIKE pattern matching `text` anywhere, with the wildcards in it escaped.
std::string LikePattern(const std::string& text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

Message ReadMessage(SQLite::Statement& q) {
  Message m;
  m.id = q.getColumn(0).getInt64();
  m.role = q.getColumn(1).getString();
  m.content = q.getColumn(2).getString();
  if (!q.getColumn(3).isNull()) m.model = q.getColumn(3).getString();
  if (!q.getColumn(4).isNull()) m.metrics = ParseObject(q.getColumn(4).getString());
  m.created_at = q.getColumn(5).getInt64();
  return m;
}

constexpr const char* kConversationColumns =
    "SELECT c.id, c.title, c.model, c.system, c.settings, c.created_at, c.updated_at, "
    "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) FROM conversations c ";

Conversation ReadConversation(SQLite::Statement& q) {
  Conversation c;
  c.id = q.getColumn(0).getInt64();
  c.title = q.getColumn(1).getString();
  c.model = q.getColumn(2).getString();
  c.system = q.getColumn(3).getString();
  c.settings = ParseObject(q.getColumn(4).getString());
  c.created_at = q.getColumn(5).getInt64();
  c.updated_at = q.getColumn(6).getInt64();
  c.message_count = q.getColumn(7).getInt64();
  return c;
}

void BindOptionalText(SQLite::Statement& q, int index, const std::optional<std::string>& s) {
  if (s) {
    q.bind(index, *s);
  } else {
    q.bind(index);
  }
}

void BindOptionalJson(SQLite::Statement& q, int index, const std::optional<json::object>& o) {
  if (o) {
    q.bind(index, json::serialize(*o));
  } else {
    q.bind(index);
  }
}

void InsertMessage(SQLite::Database& db, int64_t conversation_id, const NewMessage& m,
                   int64_t now) {
  SQLite::Statement q(db,
                      "INSERT INTO messages (conversation_id, role, content, model, metrics, "
                      "created_at) VALUES (?, ?, ?, ?, ?, ?)");
  q.bind(1, conversation_id);
  q.bind(2, m.role);
  q.bind(3, m.content);
  BindOptionalText(q, 4, m.model);
  BindOptionalJson(q, 5, m.metrics);
  q.bind(6, m.created_at.value_or(now));
  q.exec();
}

Status ValidateProfile(const Profile& p) {
  if (p.name.empty()) return Status::InvalidArgument("a profile needs a non-empty name");
  INFERNO_RETURN_IF_ERROR(CheckText("name", p.name, Limits::kName));
  INFERNO_RETURN_IF_ERROR(CheckText("model", p.model, Limits::kModel));
  INFERNO_RETURN_IF_ERROR(CheckText("system", p.system, Limits::kContent));
  return CheckJson("settings", p.settings);
}

bool ProfileNameTaken(SQLite::Database& db, const std::string& name, int64_t except_id) {
  SQLite::Statement q(db, "SELECT 1 FROM profiles WHERE name = ? AND id != ?");
  q.bind(1, name);
  q.bind(2, except_id);
  return q.executeStep();
}

Status NameTaken(const std::string& name) {
  return Status::AlreadyExists("a profile named '" + name + "' already exists");
}

Status NoConversation(int64_t id) {
  return Status::NotFound("no conversation with id " + std::to_string(id));
}

}  // namespace

Status ValidateMessage(const NewMessage& m) {
  if (m.role != "system" && m.role != "user" && m.role != "assistant" && m.role != "tool") {
    return Status::InvalidArgument("role must be one of system, user, assistant, tool (got '" +
                                   m.role.substr(0, 40) + "')");
  }
  INFERNO_RETURN_IF_ERROR(CheckText("content", m.content, Limits::kContent));
  INFERNO_RETURN_IF_ERROR(CheckText("model", m.model, Limits::kModel));
  return CheckJson("metrics", m.metrics);
}

Status ValidateConversationFields(const ConversationFields& f) {
  INFERNO_RETURN_IF_ERROR(CheckText("title", f.title, Limits::kTitle));
  INFERNO_RETURN_IF_ERROR(CheckText("model", f.model, Limits::kModel));
  INFERNO_RETURN_IF_ERROR(CheckText("system", f.system, Limits::kContent));
  return CheckJson("settings", f.settings);
}

Store::Store(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

Store::~Store() = default;

int64_t Store::ActivityTime() {
  last_activity_ = std::max(NowMs(), last_activity_ + 1);
  return last_activity_;
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) return Status::IoError("data dir " + parent.string() + ": " + ec.message());
  }
  INFERNO_RETURN_IF_ERROR(CheckExisting(path));
  try {
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
        kBusyTimeoutMs);
    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk before
    // the call returns, which is what a 201 promises.
    const std::string mode = db->execAndGet("PRAGMA journal_mode=WAL").getString();
    if (mode != "wal") {
      return Status::IoError(path + ": cannot switch the database to WAL mode (got '" + mode +
                             "')");
    }
    db->exec("PRAGMA synchronous=FULL");
    db->exec("PRAGMA foreign_keys=ON");
    Status migrated = Migrate(*db, Migrations(), path);
    if (migrated.code() == Status::Code::kCorruption) {
      return DamagedDatabase(path, migrated.message());
    }
    INFERNO_RETURN_IF_ERROR(migrated);
    auto store = std::unique_ptr<Store>(new Store(path, std::move(db)));
    store->last_activity_ =
        store->db_->execAndGet("SELECT COALESCE(MAX(updated_at), 0) FROM conversations").getInt64();
    return store;
  } catch (const SQLite::Exception& e) {
    if (IsDamageCode(e.getErrorCode())) return DamagedDatabase(path, e.what());
    return Status::IoError(path + ": " + e.what());
  } catch (const std::exception& e) {
    return Status::IoError(path + ": " + e.what());
  }
}

Status Store::Failed(const std::string& doing, const std::exception& e) {
  const auto* sqlite_error = dynamic_cast<const SQLite::Exception*>(&e);
  if (damaged_.ok() && sqlite_error && IsDamageCode(sqlite_error->getErrorCode())) {
    damaged_ = DamagedDatabase(path_, std::string(e.what()) + ", met while " + doing);
    // From now on SQLite itself refuses every write on this connection, whichever method
    // tries; and closing it must not checkpoint the WAL into the damaged file either (the
    // WAL keeps those commits, where `db recover` reads them).
    try {
      db_->exec("PRAGMA query_only = ON");
    } catch (const std::exception&) {
      // Not expected; the flag below still keeps the WAL out of the file on close.
    }
    sqlite3_db_config(db_->getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
  if (!damaged_.ok()) return damaged_;
  return Status::IoError(path_ + ": " + doing + ": " + e.what());
}

Result<int> Store::schema_version() {
  std::lock_guard<std::mutex> lock(mu_);
  return SchemaVersion(*db_);
}

Result<std::string> Store::IntegrityCheck() {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_, "PRAGMA integrity_check");
    std::string out;
    while (q.executeStep()) {
      if (!out.empty()) out += "\n";
      out += q.getColumn(0).getString();
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("integrity check", e);
  }
}

Result<std::vector<Conversation>> Store::ListConversations(const ListOptions& o) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_, std::string(kConversationColumns) +
                                  "WHERE ?1 = '' OR c.title LIKE ?2 ESCAPE '\\' OR EXISTS "
                                  "(SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND "
                                  "m.content LIKE ?2 ESCAPE '\\') "
                                  "ORDER BY c.updated_at DESC, c.id DESC LIMIT ?3 OFFSET ?4");
    q.bind(1, o.query);
    q.bind(2, LikePattern(o.query));
    q.bind(3, std::max(0, o.limit));
    q.bind(4, std::max(0, o.offset));
    std::vector<Conversation> out;
    while (q.executeStep()) out.push_back(ReadConversation(q));
    return out;
  } catch (const std::exception& e) {
    return Failed("listing conversations", e);
  }
}

Result<Conversation> Store::GetLocked(int64_t id, bool with_messages) {
  SQLite::Statement q(*db_, std::string(kConversationColumns) + "WHERE c.id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return NoConversation(id);
  Conversation c = ReadConversation(q);
  if (with_messages) {
    SQLite::Statement m(*db_,
                        "SELECT id, role, content, model, metrics, created_at FROM messages "
                        "WHERE conversation_id = ? ORDER BY id");
    m.bind(1, id);
    while (m.executeStep()) c.messages.push_back(ReadMessage(m));
  }
  return c;
}

Result<Conversation> Store::GetConversation(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    return GetLocked(id, true);
  } catch (const std::exception& e) {
    return Failed("reading conversation", e);
  }
}

Result<Conversation> Store::CreateConversation(const ConversationFields& f) {
  INFERNO_RETURN_IF_ERROR(ValidateConversationFields(f));
  std::lock_guard<std::mutex> lock(mu_);
  try {
    const int64_t now = ActivityTime();
    SQLite::Statement q(*db_,
                        "INSERT INTO conversations (title, model, system, settings, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, f.title.value_or(""));
    q.bind(2, f.model.value_or(""));
    q.bind(3, f.system.value_or(""));
    q.bind(4, json::serialize(f.settings.value_or(json::object{})));
    q.bind(5, now);
    q.bind(6, now);
    q.exec();
    return GetLocked(db_->getLastInsertRowid(), true);
  } catch (const std::exception& e) {
    return Failed("creating conversation", e);
  }
}

Result<Conversation> Store::UpdateConversation(int64_t id, const ConversationFields& f) {
  INFERNO_RETURN_IF_ERROR(ValidateConversationFields(f));
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_,
                        "UPDATE conversations SET title = COALESCE(?, title), model = "
                        "COALESCE(?, model), system = COALESCE(?, system), settings = "
                        "COALESCE(?, settings), updated_at = ? WHERE id = ?");
    BindOptionalText(q, 1, f.title);
    BindOptionalText(q, 2, f.model);
    BindOptionalText(q, 3, f.system);
    BindOptionalJson(q, 4, f.settings);
    q.bind(5, ActivityTime());
    q.bind(6, id);
    if (q.exec() == 0) return NoConversation(id);
    return GetLocked(id, true);
  } catch (const std::exception& e) {
    return Failed("updating conversation", e);
  }
}

Status Store::DeleteConversation(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_, "DELETE FROM conversations WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0) return NoConversation(id);  // messages go by ON DELETE CASCADE
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("deleting conversation", e);
  }
}

Result<Message> Store::AppendMessage(int64_t conversation_id, const NewMessage& m) {
  INFERNO_RETURN_IF_ERROR(ValidateMessage(m));
  std::lock_guard<std::mutex> lock(mu_);
  try {
    const int64_t now = ActivityTime();
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement touch(*db_, "UPDATE conversations SET updated_at = ? WHERE id = ?");
    touch.bind(1, now);
    touch.bind(2, conversation_id);
    if (touch.exec() == 0) return NoConversation(conversation_id);
    InsertMessage(*db_, conversation_id, m, now);
    const int64_t id = db_->getLastInsertRowid();
    tx.commit();
    Message out{id, m.role, m.content, m.model, m.metrics, m.created_at.value_or(now)};
    return out;
  } catch (const std::exception& e) {
    return Failed("appending message", e);
  }
}

Status Store::DeleteMessagesFrom(int64_t conversation_id, int64_t message_id) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(*db_, "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?");
    find.bind(1, message_id);
    find.bind(2, conversation_id);
    if (!find.executeStep()) {
      SQLite::Statement conv(*db_, "SELECT 1 FROM conversations WHERE id = ?");
      conv.bind(1, conversation_id);
      if (!conv.executeStep()) return NoConversation(conversation_id);
      return Status::NotFound("conversation " + std::to_string(conversation_id) +
                              " has no message with id " + std::to_string(message_id));
    }
    find.reset();
    SQLite::Statement del(*db_, "DELETE FROM messages WHERE conversation_id = ? AND id >= ?");
    del.bind(1, conversation_id);
    del.bind(2, message_id);
    del.exec();
    SQLite::Statement touch(*db_, "UPDATE conversations SET updated_at = ? WHERE id = ?");
    touch.bind(1, ActivityTime());
    touch.bind(2, conversation_id);
    touch.exec();
    tx.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("deleting messages", e);
  }
}

Result<Conversation> Store::ImportConversation(const Conversation& c,
                                               const std::vector<NewMessage>& messages) {
  ConversationFields f{c.title, c.model, c.system, c.settings};
  INFERNO_RETURN_IF_ERROR(ValidateConversationFields(f));
  if (messages.size() > Limits::kMessagesPerImport) {
    return Status::OutOfRange("the conversation has " + std::to_string(messages.size()) +
                              " messages; the limit is " +
                              std::to_string(Limits::kMessagesPerImport));
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    Status st = ValidateMessage(messages[i]);
    if (st.ok()) continue;
    const std::string where = "messages[" + std::to_string(i) + "]: " + st.message();
    return st.code() == Status::Code::kOutOfRange ? Status::OutOfRange(where)
                                                  : Status::InvalidArgument(where);
  }
  std::lock_guard<std::mutex> lock(mu_);
  try {
    const int64_t now = NowMs();
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(*db_,
                        "INSERT INTO conversations (title, model, system, settings, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, c.title);
    q.bind(2, c.model);
    q.bind(3, c.system);
    q.bind(4, json::serialize(c.settings));
    q.bind(5, c.created_at > 0 ? c.created_at : now);
    q.bind(6, c.updated_at > 0 ? c.updated_at : now);
    q.exec();
    const int64_t id = db_->getLastInsertRowid();
    for (const NewMessage& m : messages) InsertMessage(*db_, id, m, now);
    tx.commit();
    return GetLocked(id, true);
  } catch (const std::exception& e) {
    return Failed("importing conversation", e);
  }
}

Result<std::vector<Profile>> Store::ListProfiles() {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_,
                        "SELECT id, name, model, system, settings FROM profiles ORDER BY "
                        "name COLLATE NOCASE, id");
    std::vector<Profile> out;
    while (q.executeStep()) {
      out.push_back(Profile{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                            q.getColumn(2).getString(), q.getColumn(3).getString(),
                            ParseObject(q.getColumn(4).getString())});
    }
    return out;
  } catch (const std::exception& e) {
    return Failed("listing profiles", e);
  }
}

Result<Profile> Store::CreateProfile(const Profile& p) {
  INFERNO_RETURN_IF_ERROR(ValidateProfile(p));
  std::lock_guard<std::mutex> lock(mu_);
  try {
    if (ProfileNameTaken(*db_, p.name, 0)) return NameTaken(p.name);
    const int64_t now = NowMs();
    SQLite::Statement q(*db_,
                        "INSERT INTO profiles (name, model, system, settings, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, p.name);
    q.bind(2, p.model);
    q.bind(3, p.system);
    q.bind(4, json::serialize(p.settings));
    q.bind(5, now);
    q.bind(6, now);
    q.exec();
    Profile out = p;
    out.id = db_->getLastInsertRowid();
    return out;
  } catch (const SQLite::Exception& e) {
    // Another process may have taken the name between the check and the insert.
    if (e.getErrorCode() == SQLITE_CONSTRAINT) return NameTaken(p.name);
    return Failed("creating profile", e);
  } catch (const std::exception& e) {
    return Failed("creating profile", e);
  }
}

Result<Profile> Store::ReplaceProfile(int64_t id, const Profile& p) {
  INFERNO_RETURN_IF_ERROR(ValidateProfile(p));
  std::lock_guard<std::mutex> lock(mu_);
  try {
    if (ProfileNameTaken(*db_, p.name, id)) return NameTaken(p.name);
    SQLite::Statement q(*db_,
                        "UPDATE profiles SET name = ?, model = ?, system = ?, settings = ?, "
                        "updated_at = ? WHERE id = ?");
    q.bind(1, p.name);
    q.bind(2, p.model);
    q.bind(3, p.system);
    q.bind(4, json::serialize(p.settings));
    q.bind(5, NowMs());
    q.bind(6, id);
    if (q.exec() == 0) return Status::NotFound("no profile with id " + std::to_string(id));
    Profile out = p;
    out.id = id;
    return out;
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_CONSTRAINT) return NameTaken(p.name);
    return Failed("updating profile", e);
  } catch (const std::exception& e) {
    return Failed("updating profile", e);
  }
}

Status Store::DeleteProfile(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    SQLite::Statement q(*db_, "DELETE FROM profiles WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0) return Status::NotFound("no profile with id " + std::to_string(id));
    return Status::Ok();
  } catch (const std::exception& e) {
    return Failed("deleting profile", e);
  }
}

}  // namespace inferno::store
