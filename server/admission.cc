#include "server/admission.h"

#include <cstdio>
#include <utility>

#include "server/errors.h"

namespace inferno::server {
namespace {

// "127.0.0.1:5555" -> "127.0.0.1", "::1:5555" -> "::1" (the transport writes IPv6 addresses
// without brackets).
std::string_view AddressOf(std::string_view remote) {
  const size_t colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

std::string Plural(int n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

std::string ClientOf(const Request& r) {
  std::string key(AddressOf(r.remote));
  key += '\n';
  key += r.header("origin");
  const std::string_view auth = r.header("authorization");
  if (!auth.empty()) {
    char hash[24];
    std::snprintf(hash, sizeof(hash), "\n%016zx", std::hash<std::string_view>{}(auth));
    key += hash;
  }
  return key;
}

Response RefusedResponse(const std::string& refusal) {
  return Response{429,
                  "application/json",
                  {{"Retry-After", std::to_string(kRetryAfterSeconds)}},
                  ErrorJson(429, refusal, "rate_limit_exceeded")};
}

Admission::Admission(AdmissionLimits limits)
    : limits_(limits), queue_(std::make_shared<QueueLimit>(limits.max_queue)) {}

Admission::Admitted::Admitted(Admission* owner, std::string client, Scheduler::Ticket ticket)
    : owner_(owner), client_(std::move(client)), ticket_(ticket) {}

Admission::Admitted::Admitted(Admitted&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      client_(std::move(other.client_)),
      ticket_(other.ticket_) {}

void Admission::Admitted::Release() {
  if (owner_ != nullptr) owner_->GiveClientPlace(client_);
  owner_ = nullptr;
}

std::optional<Admission::Admitted> Admission::TakePlace(const std::string& client,
                                                        std::string* refusal) {
  if (TakeClientPlace(client)) return Admitted(this, client, 0);
  ++refused_client_limit_;
  *refusal =
      "too many requests from this client: " + Plural(limits_.max_client_requests, "request") +
      " already running or waiting (the server's --max-client-requests); retry when "
      "one has finished";
  return std::nullopt;
}

std::optional<Admission::Admitted> Admission::Submit(const std::string& client,
                                                     Scheduler& scheduler, GenerateRequest request,
                                                     EventSink sink, std::function<bool()> ready,
                                                     std::string* refusal) {
  std::optional<Admitted> place = TakePlace(client, refusal);
  if (!place) return std::nullopt;
  std::optional<Scheduler::Ticket> ticket =
      scheduler.TrySubmit(std::move(request), std::move(sink), std::move(ready), queue_);
  if (!ticket) {
    place->Release();
    ++refused_queue_full_;
    *refusal = "the server is busy: " + Plural(limits_.max_queue, "request") +
               " already waiting for a free sequence slot (the server's --max-queue); retry "
               "shortly";
    return std::nullopt;
  }
  place->ticket_ = *ticket;
  return place;
}

bool Admission::TakeClientPlace(const std::string& client) {
  MutexLock lock(&mu_);
  int& n = per_client_[client];
  if (n >= limits_.max_client_requests) {
    if (n == 0) per_client_.erase(client);
    return false;
  }
  ++n;
  return true;
}

void Admission::GiveClientPlace(const std::string& client) {
  MutexLock lock(&mu_);
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
}

}  // namespace inferno::server
