#include "store/conversations.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include "store/fields.h"
#include "store/message_images.h"
#include "store/timestamps.h"

namespace inferno::store {
namespace {

namespace json = boost::json;

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
  if (!q.getColumn(6).isNull()) m.reasoning = q.getColumn(6).getString();
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

// The message and its images (in the caller's transaction); its id.
int64_t InsertMessage(SQLite::Database& db, int64_t conversation_id, const NewMessage& m,
                      int64_t now) {
  SQLite::Statement q(db,
                      "INSERT INTO messages (conversation_id, role, content, model, metrics, "
                      "created_at, reasoning) VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, conversation_id);
  q.bind(2, m.role);
  q.bind(3, m.content);
  BindOptionalText(q, 4, m.model);
  BindOptionalJson(q, 5, m.metrics);
  q.bind(6, m.created_at.value_or(now));
  BindOptionalText(q, 7, m.reasoning);
  q.exec();
  const int64_t id = db.getLastInsertRowid();
  InsertImages(db, id, m.images);
  return id;
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
  INFERNO_RETURN_IF_ERROR(CheckText("reasoning", m.reasoning, Limits::kContent));
  INFERNO_RETURN_IF_ERROR(CheckImages(m.images));
  return CheckJson("metrics", m.metrics);
}

Status ValidateConversationFields(const ConversationFields& f) {
  INFERNO_RETURN_IF_ERROR(CheckText("title", f.title, Limits::kTitle));
  INFERNO_RETURN_IF_ERROR(CheckText("model", f.model, Limits::kModel));
  INFERNO_RETURN_IF_ERROR(CheckText("system", f.system, Limits::kContent));
  return CheckJson("settings", f.settings);
}

Result<std::vector<Conversation>> Conversations::ListConversations(const ListOptions& o) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        std::string(kConversationColumns) +
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
    return db_.Failed("listing conversations", e);
  }
}

Result<Conversation> Conversations::GetLocked(int64_t id, bool with_messages) {
  SQLite::Statement q(db_.connection(), std::string(kConversationColumns) + "WHERE c.id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return NoConversation(id);
  Conversation c = ReadConversation(q);
  if (with_messages) {
    SQLite::Statement m(
        db_.connection(),
        "SELECT id, role, content, model, metrics, created_at, reasoning FROM messages "
        "WHERE conversation_id = ? ORDER BY id");
    m.bind(1, id);
    while (m.executeStep()) c.messages.push_back(ReadMessage(m));
    for (Message& message : c.messages) message.images = ReadImages(db_.connection(), message.id);
  }
  return c;
}

Result<Conversation> Conversations::GetConversation(int64_t id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    return GetLocked(id, true);
  } catch (const std::exception& e) {
    return db_.Failed("reading conversation", e);
  }
}

Result<Conversation> Conversations::CreateConversation(const ConversationFields& f) {
  INFERNO_RETURN_IF_ERROR(ValidateConversationFields(f));
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    const int64_t now = db_.ActivityTime();
    SQLite::Statement q(db_.connection(),
                        "INSERT INTO conversations (title, model, system, settings, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, f.title.value_or(""));
    q.bind(2, f.model.value_or(""));
    q.bind(3, f.system.value_or(""));
    q.bind(4, json::serialize(f.settings.value_or(json::object{})));
    q.bind(5, now);
    q.bind(6, now);
    q.exec();
    return GetLocked(db_.connection().getLastInsertRowid(), true);
  } catch (const std::exception& e) {
    return db_.Failed("creating conversation", e);
  }
}

Result<Conversation> Conversations::UpdateConversation(int64_t id, const ConversationFields& f) {
  INFERNO_RETURN_IF_ERROR(ValidateConversationFields(f));
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "UPDATE conversations SET title = COALESCE(?, title), model = "
                        "COALESCE(?, model), system = COALESCE(?, system), settings = "
                        "COALESCE(?, settings), updated_at = ? WHERE id = ?");
    BindOptionalText(q, 1, f.title);
    BindOptionalText(q, 2, f.model);
    BindOptionalText(q, 3, f.system);
    BindOptionalJson(q, 4, f.settings);
    q.bind(5, db_.ActivityTime());
    q.bind(6, id);
    if (q.exec() == 0) return NoConversation(id);
    return GetLocked(id, true);
  } catch (const std::exception& e) {
    return db_.Failed("updating conversation", e);
  }
}

Status Conversations::DeleteConversation(int64_t id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "DELETE FROM conversations WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0) return NoConversation(id);  // messages go by ON DELETE CASCADE
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting conversation", e);
  }
}

Result<Message> Conversations::AppendMessage(int64_t conversation_id, const NewMessage& m) {
  INFERNO_RETURN_IF_ERROR(ValidateMessage(m));
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    const int64_t now = db_.ActivityTime();
    SQLite::Transaction tx(db_.connection(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement touch(db_.connection(),
                            "UPDATE conversations SET updated_at = ? WHERE id = ?");
    touch.bind(1, now);
    touch.bind(2, conversation_id);
    if (touch.exec() == 0) return NoConversation(conversation_id);
    const int64_t id = InsertMessage(db_.connection(), conversation_id, m, now);
    tx.commit();
    Message out{id,          m.role,  m.content, m.model, m.metrics, m.created_at.value_or(now),
                m.reasoning, m.images};
    return out;
  } catch (const std::exception& e) {
    return db_.Failed("appending message", e);
  }
}

Status Conversations::DeleteMessagesFrom(int64_t conversation_id, int64_t message_id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Transaction tx(db_.connection(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement find(db_.connection(),
                           "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?");
    find.bind(1, message_id);
    find.bind(2, conversation_id);
    if (!find.executeStep()) {
      SQLite::Statement conv(db_.connection(), "SELECT 1 FROM conversations WHERE id = ?");
      conv.bind(1, conversation_id);
      if (!conv.executeStep()) return NoConversation(conversation_id);
      return Status::NotFound("conversation " + std::to_string(conversation_id) +
                              " has no message with id " + std::to_string(message_id));
    }
    find.reset();
    SQLite::Statement del(db_.connection(),
                          "DELETE FROM messages WHERE conversation_id = ? AND id >= ?");
    del.bind(1, conversation_id);
    del.bind(2, message_id);
    del.exec();
    SQLite::Statement touch(db_.connection(),
                            "UPDATE conversations SET updated_at = ? WHERE id = ?");
    touch.bind(1, db_.ActivityTime());
    touch.bind(2, conversation_id);
    touch.exec();
    tx.commit();
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting messages", e);
  }
}

Result<Conversation> Conversations::ImportConversation(const Conversation& c,
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
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    const int64_t now = NowMs();
    SQLite::Transaction tx(db_.connection(), SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement q(db_.connection(),
                        "INSERT INTO conversations (title, model, system, settings, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, c.title);
    q.bind(2, c.model);
    q.bind(3, c.system);
    q.bind(4, json::serialize(c.settings));
    q.bind(5, c.created_at > 0 ? c.created_at : now);
    q.bind(6, c.updated_at > 0 ? c.updated_at : now);
    q.exec();
    const int64_t id = db_.connection().getLastInsertRowid();
    for (const NewMessage& m : messages) InsertMessage(db_.connection(), id, m, now);
    tx.commit();
    return GetLocked(id, true);
  } catch (const std::exception& e) {
    return db_.Failed("importing conversation", e);
  }
}

}  // namespace inferno::store
