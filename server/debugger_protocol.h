// The WebSocket debugger protocol, version 1 (docs/protocol.md): parsing of client messages
// and encoding of server messages. Pure functions of JSON and events, so every message shape
// is unit-tested without a socket; server/debugger_connection.* drives them.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/runtime/events.h"
#include "engine/runtime/sequence.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/util/status.h"

namespace inferno::server::debugger {

inline constexpr int kProtocolVersion = 1;

// Error codes of `error` messages (docs/protocol.md lists when each is sent).
namespace code {
inline constexpr const char* kBadJson = "bad_json";
inline constexpr const char* kBadMessage = "bad_message";
inline constexpr const char* kUnknownType = "unknown_type";
inline constexpr const char* kTooLarge = "too_large";
inline constexpr const char* kBinaryNotAccepted = "binary_not_accepted";
inline constexpr const char* kUnsupportedVersion = "unsupported_version";
inline constexpr const char* kTooManySessions = "too_many_sessions";
inline constexpr const char* kModelNotFound = "model_not_found";
inline constexpr const char* kBadRequest = "bad_request";
inline constexpr const char* kUnknownSession = "unknown_session";
inline constexpr const char* kResumeFailed = "resume_failed";
inline constexpr const char* kGenerationFailed = "generation_failed";
inline constexpr const char* kRemoteModel = "remote_model";
}  // namespace code

struct Limits {
  size_t max_frame_bytes = 256 * 1024;  // client messages larger get `too_large`
  // A start message's `images` do not count against max_frame_bytes; with them it may be this
  // large (below the socket's own read limit, HttpServerOptions::ws_frame_limit x 16).
  size_t max_image_frame_bytes = 12 << 20;
  int max_sessions_per_connection = 32;  // running at once
  int max_sessions = 64;                 // running at once, whole server
  int max_tokens = 4096;                 // per session
  size_t send_queue_bytes = 1 << 20;     // per connection; generation pauses above it
  int resume_seconds = 60;               // how long a dropped connection can be resumed
  size_t replay_bytes = 8 << 20;         // frames kept per connection for resume
};

// A parsed client message. `type` is one of hello, start, stop, branch, ping.
struct ClientMessage {
  std::string type;
  boost::json::object raw;
  // hello
  int version = kProtocolVersion;
  std::string resume;     // resume token from an earlier `hello` answer
  int64_t last_seq = -1;  // the last `seq` the client received before it dropped
  // start / branch
  std::string client_id;    // echoed back in `session`
  std::string model;        // "" = the server's default model
  GenerateRequest request;  // prompt, sampling, probes (request.top_k_events = probes.top_k)
  bool binary = false;      // format: "binary"
  // stop / branch
  std::string session;
  int step = 0;        // branch: generated tokens kept before the forced one
  int32_t token = -1;  // branch: the forced token
  // ping
  boost::json::value ping_data;
  // compare: the two sides (each a full set of start fields: the shared ones overridden by
  // the side's own `a` / `b` object)
  std::vector<ClientMessage> sides;
};

// Parses and validates one text frame. Errors carry the protocol error code in `code` and
// a message naming the field.
struct ParseError {
  std::string code;
  std::string message;
  std::string session;  // when the frame named one
};
std::variant<ClientMessage, ParseError> ParseClientMessage(std::string_view frame,
                                                           const Limits& limits);

// The generation settings of a start message (also what branch reuses).
Status ParseStartFields(const boost::json::object& o, const Limits& limits, ClientMessage* out);

// Why a remote model (server/remote_registry.h) cannot be debugged: the `remote_model` error.
std::string RemoteModelMessage(const std::string& model);
// Why the debugger's compare refuses a remote side, and where such a comparison runs.
std::string RemoteCompareMessage(const std::string& model);

// Per step of a compare: both distributions from raw logits.
struct StepComparison {
  double kl_ab = 0;  // KL(P_a || P_b), nats
  double kl_ba = 0;  // KL(P_b || P_a), nats
  int32_t top1_a = 0, top1_b = 0;
};
StepComparison CompareLogits(std::span<const float> a, std::span<const float> b);

// --- Server messages ------------------------------------------------------------------------

// Every server message is a JSON object with `type` and a per-connection `seq` (1, 2, ...)
// that a resuming client reports back as last_seq.

std::string HelloJson(int64_t seq, const std::string& resume_token, const Limits& limits,
                      bool resumed, const std::vector<std::string>& sessions);
std::string SessionJson(int64_t seq, const std::string& session, const std::string& client_id,
                        const std::string& model, const boost::json::object& request,
                        const std::string& parent, int branch_step);
std::string StatusJson(int64_t seq, const std::string& session, const std::string& state,
                       double tokens_per_second = -1, int generated = -1);
std::string ErrorJson(int64_t seq, const std::string& code, const std::string& message,
                      bool recoverable, const std::string& session = "");
std::string PongJson(int64_t seq, const boost::json::value& data);
std::string CompareSessionJson(int64_t seq, const std::string& compare,
                               const std::string& client_id, const std::string& a,
                               const std::string& b);
std::string CompareStepJson(int64_t seq, const std::string& compare, int index,
                            const StepComparison& c, int32_t id_a, int32_t id_b, bool same_prefix);
std::string CompareSummaryJson(int64_t seq, const std::string& compare, int steps, double mean_kl,
                               double top1_agreement, int first_divergence);

// Encodes one engine event of a session as zero or more frames, in send order: a token
// message may be followed by probe messages. The payloads come from the shared event encoder
// (engine/request/event_json.h); this adds type, seq and session. In binary mode a token's top-k
// numbers, full logits and attention weights, and the prompt attention map's rows, go in one binary
// frame (layout in docs/protocol.md) right after their JSON message, with the same seq. `seq` is
// advanced once per JSON message.
struct Frame {
  int64_t seq = 0;
  bool binary = false;
  std::string data;
};
// The `done` message of a session's kDone event.
std::string DoneJson(int64_t seq, const std::string& session, const Event& done);

// `logits` = false leaves a token's full logits out (a compare side computes them for the KL;
// its client did not ask for them).
std::vector<Frame> EncodeEvent(int64_t* seq, const std::string& session, const Event& e,
                               const Tokenizer& tok, bool binary, bool logits = true);

// The binary frame of a token (little endian; docs/protocol.md, "Binary frames").
std::string EncodeTokenBinary(int64_t seq, const std::string& session, const Event& e,
                              bool logits = true);
// The binary frame of the prompt attention map (kind 2; same section).
std::string EncodeAttentionMapBinary(int64_t seq, const std::string& session,
                                     const AttentionMap& map);

}  // namespace inferno::server::debugger
