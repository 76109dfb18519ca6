// Conversations with their messages, in the store's database (store/database.h).
//
// Validation lives here (roles, sizes, JSON shapes), so every caller gets the same rules:
// kInvalidArgument for bad values, kOutOfRange for text over its limit (store/limits.h),
// kNotFound for unknown ids.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "store/database.h"
#include "store/limits.h"

namespace inferno::store {

struct Message {
  int64_t id = 0;
  std::string role;  // system, user, assistant or tool
  std::string content;
  std::optional<std::string> model;
  std::optional<boost::json::object> metrics;
  int64_t created_at = 0;  // ms since the epoch, UTC
  // An assistant's reasoning, apart from its answer (thinking models; /v1 reasoning_content).
  std::optional<std::string> reasoning;
  // The images sent with the message, as data URLs (store/message_images.h), in order.
  std::vector<std::string> images;
};

struct Conversation {
  int64_t id = 0;
  std::string title;
  std::string model;
  std::string system;
  boost::json::object settings;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t message_count = 0;
  std::vector<Message> messages;  // filled by GetConversation / Import, oldest first
};

// Fields a create or update sets; unset fields keep their value (or the default).
struct ConversationFields {
  std::optional<std::string> title, model, system;
  std::optional<boost::json::object> settings;
};

struct NewMessage {
  std::string role;
  std::string content;
  std::optional<std::string> model = std::nullopt;
  std::optional<boost::json::object> metrics = std::nullopt;
  std::optional<int64_t> created_at = std::nullopt;  // import keeps the original time
  std::optional<std::string> reasoning = std::nullopt;
  std::vector<std::string> images = {};  // data URLs; within Limits::kImage, kImagesPerMessage
};

struct ListOptions {
  std::string query;  // substring of a title or of any message (case-insensitive ASCII)
  int limit = 50;
  int offset = 0;
};

class Conversations {
 public:
  explicit Conversations(Database& db) : db_(db) {}

  // Newest activity first (updated_at, then id).
  Result<std::vector<Conversation>> ListConversations(const ListOptions& options);
  Result<Conversation> CreateConversation(const ConversationFields& fields);
  Result<Conversation> GetConversation(int64_t id);  // with messages
  Result<Conversation> UpdateConversation(int64_t id, const ConversationFields& fields);
  Status DeleteConversation(int64_t id);

  Result<Message> AppendMessage(int64_t conversation_id, const NewMessage& message);
  // Deletes message_id and every later message of the conversation.
  Status DeleteMessagesFrom(int64_t conversation_id, int64_t message_id);

  // Creates a new conversation with all its messages in one transaction; validates all of
  // it first, so a bad message leaves the store untouched. Keeps the given times.
  Result<Conversation> ImportConversation(const Conversation& conversation,
                                          const std::vector<NewMessage>& messages);

 private:
  Result<Conversation> GetLocked(int64_t id, bool with_messages);  // db_.mu() held
  Database& db_;
};

// Checks one message's fields against the store's rules (also used before an import).
Status ValidateMessage(const NewMessage& m);
Status ValidateConversationFields(const ConversationFields& f);

}  // namespace inferno::store
