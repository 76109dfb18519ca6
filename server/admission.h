// Admission control for generation requests: a server-wide bound on requests waiting for a
// sequence slot (`--max-queue`, across every model) and a per-client bound on model requests
// running or waiting at once (`--max-client-requests`), generation and embeddings alike. Over
// either bound a request is refused before anything is answered, so the HTTP routes can send 429
// with Retry-After; the WebSocket debugger can submit through the same object.
//
// The queue bound is applied by the model's Scheduler (TrySubmit), which alone knows whether
// a request would wait: it sees the slots held by every front end. Who the client is is an
// HTTP matter, so the per-client count lives here.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/runtime/scheduler.h"
#include "engine/util/thread_annotations.h"
#include "server/http_types.h"

namespace inferno::server {

struct AdmissionLimits {
  int max_queue = 64;  // requests waiting for a slot, whole server
  // Generation requests running or waiting, per client: a quarter of the default queue, so
  // one client cannot fill it alone, and above what scripts usually run at once (a hang-up is
  // noticed at the next write, so a client at exactly its bound that drops a stream and
  // starts another at once would see a spurious 429).
  int max_client_requests = 16;
};

// Seconds a refused client is told to wait (Retry-After). A slot frees up when one
// generation ends, which on a local model takes seconds, not minutes.
inline constexpr int kRetryAfterSeconds = 1;

// Who sent a request, for the per-client bound: the peer address (without its port: every
// connection gets a new one), the Origin header and a hash of the Authorization header. On
// loopback every client is 127.0.0.1, so a browser page (its Origin) and a script (no Origin)
// or two keys count apart. The key itself is not kept.
std::string ClientOf(const Request& request);

// The answer to a refused request: 429, Retry-After, the refusal in OpenAI's error shape (its
// clients retry a 429 after the Retry-After delay).
Response RefusedResponse(const std::string& refusal);

class Admission {
 public:
  explicit Admission(AdmissionLimits limits);

  // An admitted request: its scheduler ticket, and its client's place until Release() or
  // destruction. The Admission must outlive it (the server's handlers end before the Api).
  class Admitted {
   public:
    Admitted(Admitted&& other) noexcept;
    Admitted& operator=(Admitted&&) = delete;
    Admitted(const Admitted&) = delete;
    ~Admitted() { Release(); }
    Scheduler::Ticket ticket() const { return ticket_; }
    // Gives the client's place back; call it when the generation has ended and before the
    // client is sent its last bytes: a client that starts its next request as soon as it
    // has read an answer must find the place free. Idempotent.
    void Release();

   private:
    friend class Admission;
    Admitted(Admission* owner, std::string client, Scheduler::Ticket ticket);
    Admission* owner_;  // null once moved from
    std::string client_;
    Scheduler::Ticket ticket_;
  };

  // Submits `request` for `client` to `scheduler`, or refuses it: then nullopt, nothing is
  // queued or sent to `sink`, and *refusal holds a message naming the limit and its flag.
  std::optional<Admitted> Submit(const std::string& client, Scheduler& scheduler,
                                 GenerateRequest request, EventSink sink,
                                 std::function<bool()> ready, std::string* refusal);

  // The per-client bound alone, for work that takes no sequence slot (embeddings): the
  // client's place, held as Submit's (its ticket is 0, which no scheduler issues), or nullopt
  // and *refusal naming the flag.
  std::optional<Admitted> TakePlace(const std::string& client, std::string* refusal);

  const AdmissionLimits& limits() const { return limits_; }
  int waiting() const { return queue_->waiting(); }
  uint64_t refused_queue_full() const { return refused_queue_full_; }
  uint64_t refused_client_limit() const { return refused_client_limit_; }

 private:
  bool TakeClientPlace(const std::string& client) EXCLUDES(mu_);
  void GiveClientPlace(const std::string& client) EXCLUDES(mu_);

  const AdmissionLimits limits_;
  // Shared with the schedulers' queued jobs, which may give a place back after this is gone.
  const std::shared_ptr<QueueLimit> queue_;
  Mutex mu_;
  std::map<std::string, int> per_client_ GUARDED_BY(mu_);  // clients with requests only
  std::atomic<uint64_t> refused_queue_full_{0};
  std::atomic<uint64_t> refused_client_limit_{0};
};

}  // namespace inferno::server
