// Where debugger sessions are kept once started: the prompt, the settings and every
// generated token, so that `branch` can continue any step of them. In memory for now behind
// this small interface; the SQLite store (store/) can implement it to make sessions durable.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/events.h"
#include "engine/runtime/sequence.h"

namespace inferno::server::debugger {

// One generated token as the debugger showed it: what was chosen and the alternatives.
struct StepRecord {
  int32_t id = 0;
  std::string text;  // the token's piece (bytes)
  float logit = 0;
  float prob = 0;
  int rank = 0;
  float entropy = 0;
  std::vector<TopToken> top;
  bool reasoning = false;  // a token of a thinking model's thought (stored as "phase")
  // Speculative decoding: what became of the draft here, and the rejected draft's token.
  DraftMark draft = DraftMark::kNone;
  int32_t draft_id = -1;
};

struct SessionRecord {
  std::string id;
  std::string model;            // the model id the session ran on
  boost::json::object request;  // the start message's settings as received
  GenerateRequest generate;     // parsed settings (what a branch reuses)
  std::string parent;           // branch: the session it continues
  int branch_step = -1;         // branch: generated tokens kept from the parent
  std::vector<int32_t> prompt_tokens;
  std::vector<std::string> prompt_pieces;  // each prompt token's piece, for showing it later
  // Where the start message's images (kept in `request`) sit in the prompt, and their grids.
  std::vector<Event::PromptImage> prompt_images;
  std::vector<int32_t> tokens;    // generated so far
  std::vector<StepRecord> steps;  // one per generated token, with its alternatives
  std::string finish_reason;      // "" while running
  // The Origin of the client that started it ("" = not a browser): who may branch from it
  // (server/debugger_hub.h). Unset for sessions stored before owners were kept and for
  // imported ones, which every client may reach.
  std::optional<std::string> owner_origin;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // Inserts or replaces the record with this id.
  virtual void Save(const SessionRecord& record) = 0;
  virtual std::optional<SessionRecord> Find(const std::string& id) const = 0;
};

// Keeps the most recent `capacity` sessions.
class MemorySessionStore : public SessionStore {
 public:
  explicit MemorySessionStore(size_t capacity = 1024) : capacity_(capacity) {}
  void Save(const SessionRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (records_.find(record.id) == records_.end()) order_.push_back(record.id);
    records_[record.id] = record;
    while (order_.size() > capacity_) {
      records_.erase(order_.front());
      order_.pop_front();
    }
  }
  std::optional<SessionRecord> Find(const std::string& id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::map<std::string, SessionRecord> records_;
  std::deque<std::string> order_;
};

}  // namespace inferno::server::debugger
