// The conversation store: conversations with their messages, and profiles (named presets of
// model, system prompt and sampling settings), in one SQLite database (WAL) in the data dir.
//
// Every write is one transaction committed with synchronous=FULL before the call returns,
// so a successful return survives a kill -9 of the process (and a power cut). One connection
// behind a mutex serves all server threads: the store is a local workbench's history, and
// SQLite itself allows one writer at a time anyway.
//
// Validation lives here (roles, sizes, JSON shapes), so every caller gets the same rules:
// kInvalidArgument for bad values, kOutOfRange for text over its limit, kNotFound for
// unknown ids, kAlreadyExists for a duplicate profile name.
//
// A damaged file is kCorruption (store/integrity.h): Open refuses it without writing to it,
// and once a statement meets a damaged page the store writes nothing more (reads of the pages
// that are still sound keep working), so that the damage does not spread.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "results/machine_info.h"
#include "results/suite_row.h"
#include "engine/util/status.h"

namespace SQLite {
class Database;
}

namespace inferno::store {

// Limits on stored text, in bytes.
struct Limits {
  static constexpr size_t kTitle = 1000;
  static constexpr size_t kName = 200;            // profile names
  static constexpr size_t kModel = 512;           // model ids (paths inside the models dir)
  static constexpr size_t kContent = 512 * 1024;  // one message, a system prompt
  static constexpr size_t kJson = 64 * 1024;      // serialized settings / metrics
  static constexpr size_t kMessagesPerImport = 100000;
};

struct Message {
  int64_t id = 0;
  std::string role;  // system, user, assistant or tool
  std::string content;
  std::optional<std::string> model;
  std::optional<boost::json::object> metrics;
  int64_t created_at = 0;  // ms since the epoch, UTC
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

struct Profile {
  int64_t id = 0;
  std::string name;
  std::string model;
  std::string system;
  boost::json::object settings;
};

// One debugger session as the debugger keeps it (its `record` is the debugger's own JSON:
// settings, prompt, every step's token and alternatives); the other fields are copies the
// store indexes and lists by. Ids are the debugger's ("s12"), unique per data dir.
struct DebugSession {
  std::string id;
  std::string parent;    // the session a branch continues, or ""
  int branch_step = -1;  // generated tokens kept from the parent
  std::string model;
  std::string finish_reason;  // "" while running
  int steps = 0;              // generated tokens so far
  std::string record;         // serialized JSON object
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One benchmark suite run (server POST /bench or `inferno bench --suite`) with its result
// rows, which have exactly the columns of benchmarks/results.csv.
struct BenchRun {
  int64_t id = 0;
  std::string run_key;             // the suite's run_id: the CSV's run_id, the log dir name
  std::string source = "server";   // "server" | "cli"
  std::string status = "running";  // running | done | failed | cancelled
  std::string error;
  int64_t started_at = 0;   // ms since the epoch, UTC
  int64_t finished_at = 0;  // 0 while running
  std::string hostname, cpu_model, cpu_flags, isa;
  int cores = 0;
  int threads = 0;
  std::vector<std::string> models;  // model ids (server) or paths (cli)
  std::vector<int> prompt_sizes;
  int repetitions = 0;
  int generate_tokens = 0;
  int64_t row_count = 0;              // filled by List and Get
  std::vector<bench::SuiteRow> rows;  // filled by Get, in the order they were added
};

// A run starting now on `machine`: source, key, start time and the machine's fields set; the
// caller fills in the workload.
BenchRun NewBenchRun(std::string source, std::string run_key, const bench::MachineInfo& machine);

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
};

struct ListOptions {
  std::string query;  // substring of a title or of any message (case-insensitive ASCII)
  int limit = 50;
  int offset = 0;
};

class Store {
 public:
  // Opens (creating if missing, with parent directories) and migrates the database. An
  // existing file is checked first (quick_check, read-only): a damaged one is kCorruption
  // with what to do, and is left exactly as it was.
  static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();

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

  Result<std::vector<Profile>> ListProfiles();
  Result<Profile> CreateProfile(const Profile& profile);
  Result<Profile> ReplaceProfile(int64_t id, const Profile& profile);
  Status DeleteProfile(int64_t id);

  // Debugger sessions. Save inserts or replaces (keeping the first created_at).
  Status SaveDebugSession(const DebugSession& session);
  Result<DebugSession> GetDebugSession(const std::string& id);
  // Newest first, without `record`.
  Result<std::vector<DebugSession>> ListDebugSessions(int limit, int offset);
  // Deletes the session; its branches stay (their parent link then dangles, as in a
  // deleted folder's shortcut) so that a deletion never removes more than was asked.
  Status DeleteDebugSession(const std::string& id);

  // Benchmark runs. Create stores a run as given (status "running" unless set) and returns
  // its id; rows are added as each model finishes; Finish sets the final status.
  Result<int64_t> CreateBenchRun(const BenchRun& run);
  Status AddBenchResult(int64_t run_id, const bench::SuiteRow& row);
  // status: done | failed | cancelled. Only a running run can be finished.
  Status FinishBenchRun(int64_t run_id, const std::string& status, const std::string& error);
  // Newest first, without rows.
  Result<std::vector<BenchRun>> ListBenchRuns(int limit, int offset);
  Result<BenchRun> GetBenchRun(int64_t run_id);  // with rows
  Status DeleteBenchRun(int64_t run_id);
  // Marks the server's runs still "running" as failed with `error`: called when a server
  // starts, since a server run it finds running was cut off by the previous server ending
  // (runs of `inferno bench --suite`, source "cli", may be going on beside it). Returns how
  // many.
  Result<int> FailRunningBenchRuns(const std::string& error);

  // "ok" or SQLite's list of problems.
  Result<std::string> IntegrityCheck();
  Result<int> schema_version();
  const std::string& path() const { return path_; }

 private:
  Store(std::string path, std::unique_ptr<SQLite::Database> db);
  Result<Conversation> GetLocked(int64_t id, bool with_messages);
  // The wall clock, but strictly increasing across calls, so "newest first" never ties
  // between two writes in the same millisecond. mu_ held.
  int64_t ActivityTime();
  // The status for a statement that threw while `doing`: once SQLite reports damage (or has
  // before), kCorruption, and the connection is made read-only; else kIoError. mu_ held.
  Status Failed(const std::string& doing, const std::exception& e);

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  std::mutex mu_;
  int64_t last_activity_ = 0;
  Status damaged_;  // not ok once a statement met a damaged page
};

// Checks one message's fields against the store's rules (also used before an import).
Status ValidateMessage(const NewMessage& m);
Status ValidateConversationFields(const ConversationFields& f);

}  // namespace inferno::store
