#include "server/remote_proxy.h"

#include <boost/json.hpp>

#include "server/errors.h"
#include "server/openai.h"
#include "server/remote_generation.h"
#include "server/remote_json.h"

namespace inferno::server {
namespace {

namespace json = boost::json;

constexpr size_t kMaxBodyBytes = 64u << 20;
constexpr size_t kMaxEventBytes = 16u << 20;

std::string Where(const RemoteTarget& t) { return "remote endpoint '" + t.endpoint + "'"; }

// The error a client gets for a failed transfer (before or during a stream).
ApiError TransferError(const RemoteTarget& t, const RemoteOutcome& out) {
  switch (out.failure) {
    case RemoteFailure::kConnect:
      return {502, Where(t) + " (" + t.base_url + "): could not connect: " + out.message, "",
              "remote_unreachable"};
    case RemoteFailure::kTimeout:
      return {504, Where(t) + " stalled: " + out.message, "", "remote_timeout"};
    default:
      return {502, Where(t) + ": the connection broke: " + out.message, "", "remote_failed"};
  }
}

ApiError BadResponse(const RemoteTarget& t, const std::string& what) {
  return {502, Where(t) + " sent " + what, "", "remote_bad_response"};
}

bool IsSuccess(long status) { return status >= 200 && status < 300; }

// A non-2xx answer: the remote's own OpenAI error passes through with its status (a 404 for
// an unknown model stays a 404); anything else is a 502 quoting it.
Response RemoteErrorResponse(const RemoteTarget& t, long status, const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object() && v.as_object().contains("error") && status >= 400 && status < 600) {
    return Response{int(status), "application/json", {}, body};
  }
  return ErrorResponse(
      502, Where(t) + " answered HTTP " + std::to_string(status) + ": " + body.substr(0, 200),
      "remote_bad_response");
}

Response ErrorReply(const ApiError& e) { return ErrorResponse(e.status, e.message, e.code); }

// RemoteErrorResponse's error as an ApiError, for the front ends that answer in a shape of
// their own: the remote's message and status when it sent an OpenAI error, else a 502.
ApiError RemoteApiError(const RemoteTarget& t, long status, const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  const json::value* e = !ec && v.is_object() ? v.as_object().if_contains("error") : nullptr;
  if (e != nullptr && status >= 400 && status < 600) {
    const json::value* m = e->is_object() ? e->as_object().if_contains("message") : nullptr;
    const json::value* c = e->is_object() ? e->as_object().if_contains("code") : nullptr;
    return {
        int(status),
        Where(t) + ": " + (m && m->is_string() ? std::string(m->as_string()) : json::serialize(*e)),
        "", c && c->is_string() ? std::string(c->as_string()) : ""};
  }
  return BadResponse(t, "HTTP " + std::to_string(status) + ": " + body.substr(0, 200));
}

Event ErrorEvent(const ApiError& e) {
  Event ev;
  ev.type = Event::Type::kError;
  ev.error = Status::Unavailable(e.message);
  return ev;
}

}  // namespace

Status SseRelay::Feed(std::string_view data, std::string* out) {
  const bool had_done = saw_done_marker_;
  std::vector<json::object> objects;
  const Status st = Objects(data, &objects);
  for (const json::object& o : objects) *out += "data: " + json::serialize(o) + "\n\n";
  if (saw_done_marker_ && !had_done) *out += "data: [DONE]\n\n";
  return st;
}

Status SseRelay::Objects(std::string_view data, std::vector<json::object>* out) {
  if (done_) return Status::Ok();
  for (char c : data) {
    if (c != '\r') pending_ += c;  // CRLF and LF line ends read alike
  }
  size_t end;
  while (!done_ && (end = pending_.find("\n\n")) != std::string::npos) {
    const std::string event = pending_.substr(0, end);
    pending_.erase(0, end + 2);
    INFERNO_RETURN_IF_ERROR(Event(event, out));
  }
  if (pending_.size() > kMaxEventBytes) {
    return Status::InvalidArgument("an event larger than 16 MiB");
  }
  return Status::Ok();
}

Status SseRelay::Event(std::string_view event, std::vector<json::object>* out) {
  std::string payload;
  bool has_data = false;
  while (!event.empty()) {
    const size_t nl = event.find('\n');
    std::string_view line = event.substr(0, nl);
    event.remove_prefix(nl == std::string_view::npos ? event.size() : nl + 1);
    if (line.rfind("data:", 0) != 0) continue;  // comments, event:, id:, retry:
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (has_data) payload += '\n';
    payload += line;
    has_data = true;
  }
  if (!has_data) return Status::Ok();
  if (payload == "[DONE]") {
    done_ = saw_done_marker_ = true;
    return Status::Ok();
  }
  json::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) {
    return Status::InvalidArgument("a stream event that is not a JSON object: '" +
                                   payload.substr(0, 80) + "'");
  }
  json::object& o = v.as_object();
  if (o.contains("model")) o["model"] = public_id_;
  // The remote's own error event ends its stream.
  if (o.contains("error")) done_ = true;
  out->push_back(std::move(o));
  relayed_any_ = true;
  return Status::Ok();
}

bool RemoteProxy::Forward(std::string_view path, const json::object& body, ResponseWriter& w,
                          const Gate& gate) {
  const json::value* model = body.if_contains("model");
  if (model == nullptr || !model->is_string()) return false;
  std::optional<RemoteTarget> target = registry_.Find(std::string(model->as_string()));
  if (!target) return false;
  if (gate) {
    if (std::optional<Response> refused = gate()) {
      w.Send(std::move(*refused));
      return true;
    }
  }
  json::object upstream = body;
  upstream["model"] = target->model;
  const json::value* stream = body.if_contains("stream");
  const std::string url = target->base_url + std::string(path);
  if (stream && stream->is_bool() && stream->as_bool()) {
    Stream(*target, url, json::serialize(upstream), w);
  } else {
    Whole(*target, url, json::serialize(upstream), w);
  }
  return true;
}

void RemoteProxy::Whole(const RemoteTarget& t, const std::string& url, std::string body,
                        ResponseWriter& w) {
  std::string answer;
  bool too_big = false;
  const RemoteOutcome out =
      CallRemote({"POST", url, t.api_key, std::move(body)}, registry_.timeouts(),
                 [&](long, std::string_view, std::string_view data) {
                   too_big = answer.size() + data.size() > kMaxBodyBytes;
                   if (!too_big) answer.append(data);
                   return !too_big;
                 });
  if (too_big) return w.Send(ErrorReply(BadResponse(t, "an answer larger than 64 MiB")));
  if (out.failure != RemoteFailure::kNone) {
    const ApiError e = TransferError(t, out);
    if (out.failure == RemoteFailure::kConnect) registry_.RecordFailure(t.endpoint, e.message);
    return w.Send(ErrorReply(e));
  }
  if (!IsSuccess(out.status)) return w.Send(RemoteErrorResponse(t, out.status, answer));
  json::error_code ec;
  json::value v = json::parse(answer, ec);
  if (ec || !v.is_object()) {
    return w.Send(ErrorReply(BadResponse(t, "an answer that is not a JSON object")));
  }
  if (v.as_object().contains("model")) v.as_object()["model"] = t.public_id;
  w.Send(Response{200, "application/json", {}, json::serialize(v)});
}

void RemoteProxy::Stream(const RemoteTarget& t, const std::string& url, std::string body,
                         ResponseWriter& w) {
  SseRelay relay(t.public_id);
  std::string whole;  // a non-stream answer (an error, or a remote that ignores "stream")
  bool started = false, client_gone = false;
  Status malformed;
  const RemoteOutcome out =
      CallRemote({"POST", url, t.api_key, std::move(body)}, registry_.timeouts(),
                 [&](long status, std::string_view type, std::string_view data) {
                   if (!IsSuccess(status) || type.rfind("text/event-stream", 0) != 0) {
                     whole.append(data);
                     return whole.size() <= kMaxBodyBytes;
                   }
                   if (!started && !(started = w.StartStream(200, "text/event-stream", {}))) {
                     client_gone = true;
                     return false;
                   }
                   std::string events;
                   malformed = relay.Feed(data, &events);
                   if (!events.empty() && !w.Write(events)) client_gone = true;
                   // Stop at [DONE] too: a remote that keeps the connection open must not hold us.
                   return !client_gone && malformed.ok() && !relay.done();
                 });
  if (!started) {
    if (out.failure == RemoteFailure::kNone && IsSuccess(out.status)) {
      // Answered whole: relay it as such, through the same checks.
      json::error_code ec;
      json::value v = json::parse(whole, ec);
      if (ec || !v.is_object()) return w.Send(ErrorReply(BadResponse(t, "a malformed answer")));
      if (v.as_object().contains("model")) v.as_object()["model"] = t.public_id;
      return w.Send(Response{200, "application/json", {}, json::serialize(v)});
    }
    if (out.failure == RemoteFailure::kNone || out.failure == RemoteFailure::kAborted) {
      return w.Send(RemoteErrorResponse(t, out.status, whole));
    }
    const ApiError e = TransferError(t, out);
    if (out.failure == RemoteFailure::kConnect) registry_.RecordFailure(t.endpoint, e.message);
    return w.Send(ErrorReply(e));
  }
  if (client_gone) return w.EndStream();
  if (!malformed.ok()) {
    w.Write(CompletionEncoder::ErrorChunk(BadResponse(t, malformed.message())));
  } else if (relay.done()) {
    if (!relay.saw_done_marker()) w.Write("data: [DONE]\n\n");
  } else if (out.failure == RemoteFailure::kNone || out.failure == RemoteFailure::kAborted) {
    w.Write(CompletionEncoder::ErrorChunk(
        {502, Where(t) + " closed the stream before it ended", "", "remote_failed"}));
  } else {
    w.Write(CompletionEncoder::ErrorChunk(TransferError(t, out)));
  }
  w.EndStream();
}

std::variant<json::object, ApiError> PostRemoteJson(RemoteRegistry& registry, const RemoteTarget& t,
                                                    std::string_view path, json::object body,
                                                    const std::function<bool()>& cancelled) {
  body["model"] = t.model;
  std::string answer;
  bool too_big = false, stopped = false;
  const RemoteOutcome out =
      CallRemote({"POST", t.base_url + std::string(path), t.api_key, json::serialize(body)},
                 registry.timeouts(), [&](long, std::string_view, std::string_view data) {
                   too_big = answer.size() + data.size() > kMaxBodyBytes;
                   if (!too_big) answer.append(data);
                   stopped = cancelled && cancelled();
                   return !too_big && !stopped;
                 });
  if (stopped) return ApiError{499, "cancelled", "", "cancelled"};
  if (too_big) return BadResponse(t, "an answer larger than 64 MiB");
  if (out.failure != RemoteFailure::kNone) {
    const ApiError e = TransferError(t, out);
    if (out.failure == RemoteFailure::kConnect) registry.RecordFailure(t.endpoint, e.message);
    return e;
  }
  json::error_code ec;
  json::value v = json::parse(answer, ec);
  if (!IsSuccess(out.status)) {
    const json::value* err = !ec && v.is_object() ? v.as_object().if_contains("error") : nullptr;
    const json::value* msg =
        err && err->is_object() ? err->as_object().if_contains("message") : nullptr;
    const std::string what =
        msg && msg->is_string() ? std::string(msg->as_string()) : answer.substr(0, 200);
    return ApiError{int(out.status) >= 400 && out.status < 600 ? int(out.status) : 502,
                    Where(t) + " answered HTTP " + std::to_string(out.status) + ": " + what, "",
                    "remote_error"};
  }
  if (ec || !v.is_object()) return BadResponse(t, "an answer that is not a JSON object");
  return std::move(v.as_object());
}

std::optional<ApiError> RemoteProxy::Generate(const RemoteTarget& t, const std::string& path,
                                              const json::object& body,
                                              const std::function<bool(const Event&)>& on_event) {
  SseRelay relay(t.public_id);
  RemoteEventReader reader;
  std::string whole;  // a non-stream answer: an error, or a remote that ignores "stream"
  bool started = false, client_gone = false, failed = false;
  std::optional<ApiError> early;  // an error event before anything was given to on_event
  Status malformed;
  auto deliver = [&](const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (!started && e.type == Event::Type::kError) {
        early = ApiError{502, Where(t) + ": " + e.error.message(), "", "remote_error"};
        return;
      }
      if (!started) {
        started = true;
        Event prompt;
        prompt.type = Event::Type::kPrompt;
        if (!on_event(prompt)) client_gone = true;
      }
      failed = failed || e.type == Event::Type::kError;
      if (client_gone || !on_event(e)) {
        client_gone = true;
        return;
      }
    }
  };
  const RemoteOutcome out = CallRemote(
      {"POST", t.base_url + path, t.api_key, json::serialize(body)}, registry_.timeouts(),
      [&](long status, std::string_view type, std::string_view data) {
        if (!IsSuccess(status) || type.rfind("text/event-stream", 0) != 0) {
          whole.append(data);
          return whole.size() <= kMaxBodyBytes;
        }
        std::vector<json::object> objects;
        malformed = relay.Objects(data, &objects);
        std::vector<Event> events;
        for (const json::object& o : objects) reader.Chunk(o, &events);
        deliver(events);
        return !client_gone && !early && malformed.ok() && !relay.done();
      });
  if (early) return early;
  if (client_gone) return std::nullopt;
  const bool transfer_ok =
      out.failure == RemoteFailure::kNone || out.failure == RemoteFailure::kAborted;
  if (!started && transfer_ok && malformed.ok() && !whole.empty()) {
    if (!IsSuccess(out.status)) return RemoteApiError(t, out.status, whole);
    json::error_code ec;
    json::value v = json::parse(whole, ec);
    if (ec || !v.is_object()) return BadResponse(t, "a malformed answer");
    std::vector<Event> events;
    reader.Chunk(v.as_object(), &events);
    events.push_back(reader.Done());
    deliver(events);
    return early;
  }
  if (!started && !transfer_ok) {
    const ApiError e = TransferError(t, out);
    if (out.failure == RemoteFailure::kConnect) registry_.RecordFailure(t.endpoint, e.message);
    return e;
  }
  if (!started && !malformed.ok()) return BadResponse(t, malformed.message());
  if (failed) return std::nullopt;  // the remote's error event was the last one
  std::vector<Event> last;
  if (!malformed.ok()) {
    last.push_back(ErrorEvent(BadResponse(t, malformed.message())));
  } else if (relay.saw_done_marker()) {
    last.push_back(reader.Done());
  } else if (transfer_ok) {
    last.push_back(
        ErrorEvent({502, Where(t) + " closed the stream before it ended", "", "remote_failed"}));
  } else {
    last.push_back(ErrorEvent(TransferError(t, out)));
  }
  deliver(last);
  return early;
}

}  // namespace inferno::server
