// The store's JSON shapes, shared by the REST routes and export/import: records to JSON
// (ids as strings, times as ISO-8601 UTC) and request bodies / export documents to records,
// with type checks whose messages name the offending field.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>
#include <vector>

#include "engine/util/status.h"
#include "store/store.h"

namespace inferno::store {

constexpr std::string_view kExportFormat = "inferno.conversation";
constexpr int kExportVersion = 1;

boost::json::object MessageJson(const Message& m);
// Summary (list) form without messages and without system/settings when `summary`.
boost::json::object ConversationJson(const Conversation& c, bool summary = false);
boost::json::object ProfileJson(const Profile& p);
boost::json::object ExportDocument(const Conversation& c);

// Request bodies. Each checks types (InvalidArgument naming the field); sizes and roles are
// checked by the Store.
Status ParseConversationFields(const boost::json::value& body, ConversationFields* out);
Status ParseNewMessage(const boost::json::value& body, NewMessage* out,
                       std::string_view where = "");
// A profile body; `name` is required.
Status ParseProfile(const boost::json::value& body, Profile* out);

// An export document -> the conversation (without id) and its messages, times kept.
// Rejects anything but format "inferno.conversation" version 1.
Status ParseExportDocument(const boost::json::value& doc, Conversation* conversation,
                           std::vector<NewMessage>* messages);

// "42" -> 42; nullopt for anything that is not a positive decimal id.
std::optional<int64_t> ParseId(std::string_view text);

}  // namespace inferno::store
