#include "server/remote_registry.h"

#include <boost/json.hpp>
#include <chrono>

#include "store/timestamps.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

constexpr size_t kMaxListBytes = 4u << 20;
// A check is a small GET: it should not wait as long as a generation may.
constexpr int kCheckReadMs = 10000;

std::string FailureText(const RemoteOutcome& out) {
  switch (out.failure) {
    case RemoteFailure::kConnect:
      return "could not connect: " + out.message;
    case RemoteFailure::kTimeout:
      return "timed out: " + out.message;
    case RemoteFailure::kAborted:
      return "the model list is larger than 4 MiB";
    default:
      return "the connection failed: " + out.message;
  }
}

}  // namespace

Result<std::vector<std::string>> ParseModelList(std::string_view body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* data = o ? o->if_contains("data") : nullptr;
  if (data == nullptr || !data->is_array()) {
    return Status::InvalidArgument("GET /v1/models did not answer an OpenAI model list");
  }
  std::vector<std::string> ids;
  for (const json::value& m : data->as_array()) {
    const json::value* id = m.is_object() ? m.as_object().if_contains("id") : nullptr;
    // Another inferno lists files it cannot load with their "error": not models to offer.
    const json::value* error = m.is_object() ? m.as_object().if_contains("error") : nullptr;
    if (error && error->is_string() && !error->as_string().empty()) continue;
    if (id && id->is_string() && !id->as_string().empty()) ids.emplace_back(id->as_string());
  }
  return ids;
}

RemoteHealth CheckRemote(const std::string& base_url, const std::string& api_key,
                         const RemoteTimeouts& timeouts) {
  RemoteTimeouts t = timeouts;
  t.read_ms = std::min(t.read_ms, kCheckReadMs);
  std::string body;
  const auto start = std::chrono::steady_clock::now();
  const RemoteOutcome out = CallRemote({"GET", base_url + "/v1/models", api_key, ""}, t,
                                       [&](long, std::string_view, std::string_view data) {
                                         if (body.size() + data.size() > kMaxListBytes)
                                           return false;
                                         body.append(data);
                                         return true;
                                       });
  RemoteHealth h;
  h.checked_at_ms = store::NowMs();
  h.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (out.failure != RemoteFailure::kNone) {
    h.error = FailureText(out);
    return h;
  }
  if (out.status < 200 || out.status >= 300) {
    h.error = "GET /v1/models answered HTTP " + std::to_string(out.status);
    if (out.status == 401 || out.status == 403) h.error += " (check the endpoint's API key)";
    return h;
  }
  Result<std::vector<std::string>> ids = ParseModelList(body);
  if (!ids.ok()) {
    h.error = ids.status().message();
    return h;
  }
  h.ok = true;
  h.models = std::move(*ids);
  return h;
}

RemoteRegistry::RemoteRegistry(RemoteTimeouts timeouts, store::RemoteEndpoints* store)
    : timeouts_(timeouts), store_(store) {}

RemoteRegistry::~RemoteRegistry() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  stop_cv_.SignalAll();
  if (checker_.joinable()) checker_.join();
}

RemoteEndpointInfo RemoteRegistry::Info(const Entry& e) {
  return {e.endpoint.name, e.endpoint.url, !e.endpoint.api_key.empty(), e.stored, e.health};
}

Status RemoteRegistry::Insert(store::RemoteEndpoint endpoint, bool stored) {
  INFERNO_RETURN_IF_ERROR(store::ValidateRemoteEndpoint(endpoint));
  MutexLock lock(&mu_);
  if (endpoints_.count(endpoint.name)) {
    return Status::AlreadyExists("a remote endpoint named '" + endpoint.name + "' already exists");
  }
  const std::string name = endpoint.name;
  endpoints_[name] = Entry{std::move(endpoint), stored, {}};
  return Status::Ok();
}

Status RemoteRegistry::AddConfigured(store::RemoteEndpoint endpoint) {
  return Insert(std::move(endpoint), /*stored=*/false);
}

Result<std::vector<std::string>> RemoteRegistry::LoadStored() {
  std::vector<std::string> warnings;
  if (store_ == nullptr) return warnings;
  Result<std::vector<store::RemoteEndpoint>> rows = store_->ListRemoteEndpoints();
  if (!rows.ok()) return rows.status();
  for (store::RemoteEndpoint& row : *rows) {
    const std::string name = row.name;
    if (Status st = Insert(std::move(row), /*stored=*/true); !st.ok()) {
      warnings.push_back("stored remote endpoint '" + name + "' skipped: " + st.message());
    }
  }
  return warnings;
}

void RemoteRegistry::CheckPeriodically(std::chrono::milliseconds period) {
  checker_ = std::thread([this, period] {
    for (;;) {
      std::vector<std::string> names;
      {
        MutexLock lock(&mu_);
        if (stopping_) return;
        for (const auto& [name, e] : endpoints_) names.push_back(name);
      }
      // Endpoints added or removed meanwhile are simply checked (or skipped) next time.
      for (const std::string& name : names) {
        {
          MutexLock lock(&mu_);
          if (stopping_) return;
        }
        (void)Check(name);
      }
      const auto next = std::chrono::steady_clock::now() + period;
      MutexLock lock(&mu_);
      while (!stopping_ && (period.count() == 0 || std::chrono::steady_clock::now() < next)) {
        if (period.count() == 0) {
          stop_cv_.Wait(&mu_);
        } else {
          stop_cv_.WaitUntil(&mu_, next);
        }
      }
      if (stopping_) return;
    }
  });
}

Result<RemoteEndpointInfo> RemoteRegistry::Add(store::RemoteEndpoint endpoint) {
  INFERNO_RETURN_IF_ERROR(store::ValidateRemoteEndpoint(endpoint));
  {
    MutexLock lock(&mu_);
    if (endpoints_.count(endpoint.name)) {
      return Status::AlreadyExists("a remote endpoint named '" + endpoint.name +
                                   "' already exists");
    }
  }
  if (store_ != nullptr) {
    Result<store::RemoteEndpoint> row = store_->AddRemoteEndpoint(endpoint);
    if (!row.ok()) return row.status();
  }
  const std::string name = endpoint.name;
  INFERNO_RETURN_IF_ERROR(Insert(std::move(endpoint), /*stored=*/true));
  return Check(name);
}

Status RemoteRegistry::Remove(const std::string& name) {
  {
    MutexLock lock(&mu_);
    auto it = endpoints_.find(name);
    if (it == endpoints_.end()) return Status::NotFound("no remote endpoint named '" + name + "'");
    if (!it->second.stored) {
      return Status::Unsupported("remote endpoint '" + name +
                                 "' comes from the command line or the config file; remove it "
                                 "there");
    }
    endpoints_.erase(it);
  }
  return store_ != nullptr ? store_->DeleteRemoteEndpoint(name) : Status::Ok();
}

Result<RemoteEndpointInfo> RemoteRegistry::Check(const std::string& name) {
  store::RemoteEndpoint endpoint;
  {
    MutexLock lock(&mu_);
    auto it = endpoints_.find(name);
    if (it == endpoints_.end()) return Status::NotFound("no remote endpoint named '" + name + "'");
    endpoint = it->second.endpoint;
  }
  // Without the lock: a check may take the connect and read timeouts.
  RemoteHealth health = CheckRemote(endpoint.url, endpoint.api_key, timeouts_);
  MutexLock lock(&mu_);
  auto it = endpoints_.find(name);
  if (it == endpoints_.end() || it->second.endpoint.url != endpoint.url) {
    return Status::NotFound("remote endpoint '" + name + "' was removed during its check");
  }
  it->second.health = std::move(health);
  return Info(it->second);
}

std::vector<RemoteEndpointInfo> RemoteRegistry::List() {
  MutexLock lock(&mu_);
  std::vector<RemoteEndpointInfo> out;
  for (const auto& [name, e] : endpoints_) out.push_back(Info(e));
  return out;
}

std::optional<RemoteTarget> RemoteRegistry::Find(const std::string& model) {
  const size_t slash = model.find('/');
  if (slash == std::string::npos || slash + 1 == model.size()) return std::nullopt;
  MutexLock lock(&mu_);
  auto it = endpoints_.find(model.substr(0, slash));
  if (it == endpoints_.end()) return std::nullopt;
  const store::RemoteEndpoint& e = it->second.endpoint;
  return RemoteTarget{e.name, e.url, e.api_key, model.substr(slash + 1), model};
}

void RemoteRegistry::RecordFailure(const std::string& name, const std::string& error) {
  MutexLock lock(&mu_);
  auto it = endpoints_.find(name);
  if (it == endpoints_.end()) return;
  it->second.health.ok = false;
  it->second.health.error = error;
  it->second.health.checked_at_ms = store::NowMs();
}

}  // namespace inferno::server
