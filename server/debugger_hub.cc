#include "server/debugger_hub.h"

#include <algorithm>
#include <atomic>

#include "engine/request/prepare.h"
#include "server/event_queue.h"
#include "server/secure_random.h"

namespace inferno::server::debugger {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

// Two sessions compared step by step (the `compare` message); guarded by the connection's
// mutex, except `queued` and `ended`.
struct CompareState {
  std::string id;
  // Per side, as the scheduler produced them (guarded by the connection's link_mu_): what
  // keeps the sides in lockstep, counted before delivery so the pace does not depend on it.
  int queued[2] = {0, 0};
  bool ended[2] = {false, false};
  std::deque<std::pair<int32_t, std::vector<float>>> pending[2];  // per side: (token, logits)
  int produced[2] = {0, 0};
  bool done[2] = {false, false};
  int steps = 0;
  double kl_sum = 0;
  int agree = 0;
  int first_divergence = -1;
};

struct Session {
  std::string id;
  std::string client_id;
  bool binary = false;
  std::shared_ptr<LoadedModel> model;  // guarded by the connection's mutex
  std::atomic<bool> cancel{false};
  bool submitted = false;  // guarded by the connection's mutex
  Scheduler::Ticket ticket = 0;
  const Tokenizer* tokenizer = nullptr;
  Clock::time_point first_token;
  int generated = 0;
  SessionRecord record;                   // guarded by the connection's mutex
  std::shared_ptr<CompareState> compare;  // set for the sides of a compare
  int side = -1;                          // 0 = a, 1 = b
  bool send_logits = true;                // false when only the compare asked for logits
};

}  // namespace

// One client's protocol state. Outlives its socket while sessions run or while it can be
// resumed; engine sinks hold it by shared_ptr.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Debugger* hub, std::shared_ptr<WsSender> sender, WsClient client)
      : hub_(hub), sender_(std::move(sender)), client_(std::move(client)) {}

  void OnText(std::string_view frame, std::shared_ptr<Connection>* self_slot);
  void OnBinary() {
    SendError(code::kBinaryNotAccepted, "clients send JSON text frames only", true);
  }
  // The socket behind `sender` is gone.
  void OnClose(const WsSender* sender);
  // Ends every session (server shutdown or resume window over).
  void CancelAll();

 private:
  void Hello(const ClientMessage& m, std::shared_ptr<Connection>* self_slot);
  // Creates a session and launches it; returns it, or null after sending the error.
  std::shared_ptr<Session> Start(ClientMessage m, std::string parent, int branch_step,
                                 bool reserved = false,
                                 std::shared_ptr<CompareState> compare = nullptr, int side = -1);
  void Compare(ClientMessage m);
  void OnCompareToken(Session& s, const Event& e);  // mu_ held
  void OnCompareEnd(Session& s);                    // mu_ held
  void Stop(const ClientMessage& m);
  void Branch(ClientMessage m);
  // Worker thread: load the model, check the prompt, submit.
  void Launch(std::shared_ptr<Session> s, std::string model_name);
  // The session's sink, on the scheduler thread: only queues the event in the inbox (no
  // encoding, no I/O, never waits for mu_) and makes sure a delivery thread drains it.
  bool OnEvent(const std::shared_ptr<Session>& s, const Event& e);
  // The session's `ready`, on the scheduler thread; takes only link_mu_.
  bool Ready(const Session& s);
  // A delivery thread: delivers the inbox's events in order until it is empty. Only one
  // runs per connection at a time (draining_).
  void Drain();
  // A delivery thread: records one event in its session and sends its messages.
  void DeliverEvent(const std::shared_ptr<Session>& s, const Event& e);
  void Finish(const std::shared_ptr<Session>& s);
  void FinishLocked(const std::shared_ptr<Session>& s);  // mu_ held
  // No socket speaks for this state any more (mu_ held): sessions pause (Ready).
  void SetDetachedLocked() {
    std::lock_guard<std::mutex> link(link_mu_);
    attached_ = false;
  }
  void CancelSession(const std::shared_ptr<Session>& s);
  // Whether this connection's client may act on what `owner_origin` owns: when it holds the
  // server's API key, or comes from the same Origin (non-browser clients share ""). Unset:
  // owned by nobody (stored before owners were kept, or imported).
  bool MayReach(const std::optional<std::string>& owner_origin);
  std::string origin();

  // Sending (mu_ held). Messages are numbered by seq in send order; Emit() numbers and sends
  // one JSON message.
  void SendLocked(Frame f);
  template <typename Make>
  void EmitLocked(Make&& make) {
    ++seq_;
    SendLocked({seq_, false, make(seq_)});
  }
  template <typename Make>
  void Emit(Make&& make) {
    std::lock_guard<std::mutex> lock(mu_);
    EmitLocked(std::forward<Make>(make));
  }
  // An error that is not recoverable also ends the connection (docs/protocol.md): the
  // client must not go on as if its message had been understood. The transport writes the
  // queued error frame before the close frame.
  void SendError(const std::string& c, const std::string& message, bool recoverable,
                 const std::string& session = "") {
    std::lock_guard<std::mutex> lock(mu_);
    EmitLocked([&](int64_t seq) { return ErrorJson(seq, c, message, recoverable, session); });
    if (!recoverable && attached_) sender_->Close();
  }

  Debugger* hub_;
  // Lock order: mu_, then link_mu_. mu_ guards the protocol state and may be held for long
  // (encoding); link_mu_ is only ever held briefly, as the scheduler thread takes it.
  std::mutex mu_;
  std::mutex link_mu_;
  // sender_ and attached_ are written with both mu_ and link_mu_ held, read under either.
  std::shared_ptr<WsSender> sender_;  // replaced when a client resumes
  WsClient client_;                   // who speaks for this state; replaced on resume too
  bool attached_ = true;
  // Engine events not yet delivered (guarded by link_mu_), with their EventBytes.
  struct Pending {
    std::shared_ptr<Session> session;
    Event event;
    size_t bytes = 0;
  };
  std::deque<Pending> inbox_;
  size_t inbox_bytes_ = 0;  // guarded by link_mu_; counted until the event's frames are sent
  bool draining_ = false;   // guarded by link_mu_: a delivery thread owns the inbox
  int64_t seq_ = 0;
  std::string token_;         // set by hello
  std::deque<Frame> replay_;  // the last frames sent, for resume (only after hello)
  size_t replay_bytes_ = 0;
  std::map<std::string, std::shared_ptr<Session>> sessions_;  // running, by id
};

void Connection::SendLocked(Frame f) {
  if (!token_.empty()) {
    replay_bytes_ += f.data.size();
    replay_.push_back(f);
    while (replay_bytes_ > hub_->limits().replay_bytes && replay_.size() > 1) {
      replay_bytes_ -= replay_.front().data.size();
      replay_.pop_front();
    }
  }
  if (!attached_) return;
  if (f.binary) {
    sender_->SendBinary(std::move(f.data));
  } else {
    sender_->SendText(std::move(f.data));
  }
}

bool Connection::Ready(const Session& s) {
  std::lock_guard<std::mutex> lock(link_mu_);
  // While the client is away nothing is generated: the events it will be replayed stay few.
  if (!attached_) return false;
  // The sides of a compare go in lockstep: neither runs more than one step ahead, so at
  // most one step of logits waits for the other side.
  if (s.compare) {
    const CompareState& c = *s.compare;
    if (!c.ended[1 - s.side] && c.queued[s.side] > c.queued[1 - s.side]) return false;
  }
  // Events still to be encoded count as much as frames the socket has yet to write.
  const size_t queued = sender_->closed() ? 0 : sender_->queued_bytes();
  return inbox_bytes_ + queued <= hub_->limits().send_queue_bytes;
}

void Connection::OnText(std::string_view frame, std::shared_ptr<Connection>* self_slot) {
  std::variant<ClientMessage, ParseError> parsed = ParseClientMessage(frame, hub_->limits());
  if (auto* err = std::get_if<ParseError>(&parsed)) {
    SendError(err->code, err->message, true, err->session);
    return;
  }
  ClientMessage& m = std::get<ClientMessage>(parsed);
  if (m.type == "hello") {
    Hello(m, self_slot);
  } else if (m.type == "start") {
    Start(std::move(m), "", -1);
  } else if (m.type == "stop") {
    Stop(m);
  } else if (m.type == "branch") {
    Branch(std::move(m));
  } else if (m.type == "compare") {
    Compare(std::move(m));
  } else if (m.type == "ping") {
    Emit([&](int64_t seq) { return PongJson(seq, m.ping_data); });
  }
}

void Connection::Hello(const ClientMessage& m, std::shared_ptr<Connection>* self_slot) {
  if (m.version != kProtocolVersion) {
    SendError(code::kUnsupportedVersion,
              "this server speaks protocol version " + std::to_string(kProtocolVersion) + ", not " +
                  std::to_string(m.version),
              false);
    return;
  }
  if (!m.resume.empty()) {
    std::shared_ptr<Connection> old = hub_->Find(m.resume);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!sessions_.empty()) old = nullptr;  // resume must come before any start
    }
    // A token is a secret, but one leaked to another site must still not let it in; the
    // answer is the same as for an unknown token, so it does not confirm the token either.
    if (old != nullptr && old.get() != this && !MayReach(old->origin())) old = nullptr;
    if (old == nullptr || old.get() == this) {
      SendError(code::kResumeFailed,
                "nothing to resume for that token (expired after " +
                    std::to_string(hub_->limits().resume_seconds) +
                    " s, or sessions were started first); start again",
                true);
      return;
    }
    // Take the old state over: this socket now speaks for it.
    std::shared_ptr<WsSender> mine;
    WsClient me;
    {
      std::lock_guard<std::mutex> lock(mu_);
      mine = sender_;
      me = client_;
    }
    std::shared_ptr<WsSender> previous;
    {
      std::lock_guard<std::mutex> lock(old->mu_);
      previous = old->sender_;
      {
        std::lock_guard<std::mutex> link(old->link_mu_);
        old->sender_ = mine;
        old->attached_ = true;
      }
      old->client_ = std::move(me);
      std::vector<std::string> ids;
      for (const auto& [id, s] : old->sessions_) ids.push_back(id);
      const int64_t first_kept = old->replay_.empty() ? old->seq_ + 1 : old->replay_.front().seq;
      const int64_t last_sent = old->seq_;
      const bool complete = m.last_seq < 0 || first_kept <= m.last_seq + 1;
      old->EmitLocked(
          [&](int64_t seq) { return HelloJson(seq, old->token_, hub_->limits(), true, ids); });
      if (!complete) {
        old->EmitLocked([&](int64_t seq) {
          return ErrorJson(seq, code::kResumeFailed,
                           "some messages after seq " + std::to_string(m.last_seq) +
                               " are no longer kept; replaying from seq " +
                               std::to_string(first_kept),
                           true);
        });
      }
      // Replay what the client missed, with the seq numbers it would have seen.
      if (m.last_seq >= 0) {
        for (const Frame& f : old->replay_) {
          if (f.seq <= m.last_seq || f.seq > last_sent) continue;
          if (f.binary) {
            mine->SendBinary(f.data);
          } else {
            mine->SendText(f.data);
          }
        }
      }
    }
    if (previous && previous != mine) previous->Close();
    hub_->Register(old->token_, old);
    *self_slot = old;  // this socket's frames now go to the resumed connection
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (token_.empty()) {
    token_ = RandomHex128();
    hub_->Register(token_, shared_from_this());
  }
  std::vector<std::string> ids;
  for (const auto& [id, s] : sessions_) ids.push_back(id);
  EmitLocked([&](int64_t seq) { return HelloJson(seq, token_, hub_->limits(), false, ids); });
}

std::shared_ptr<Session> Connection::Start(ClientMessage m, std::string parent, int branch_step,
                                           bool reserved, std::shared_ptr<CompareState> compare,
                                           int side) {
  if (!reserved) {
    std::lock_guard<std::mutex> lock(mu_);
    if (int(sessions_.size()) >= hub_->limits().max_sessions_per_connection) {
      const size_t n = sessions_.size();
      EmitLocked([&](int64_t seq) {
        return ErrorJson(seq, code::kTooManySessions,
                         "this connection already runs " + std::to_string(n) +
                             " sessions (the limit); stop one or wait for one to finish",
                         true);
      });
      return nullptr;
    }
  }
  if (!reserved && !hub_->ReserveSession()) {
    SendError(code::kTooManySessions,
              "the server runs " + std::to_string(hub_->limits().max_sessions) +
                  " sessions already (its limit); try again later",
              true);
    return nullptr;
  }
  auto s = std::make_shared<Session>();
  // Random: a session's id is what names it in branch and stop, so it must not be
  // guessable from the ids a client has seen.
  s->id = RandomId('s');
  s->client_id = m.client_id;
  s->binary = m.binary;
  s->record.id = s->id;
  s->record.request = m.raw;
  s->record.request.erase("type");
  s->record.generate = m.request;
  s->record.parent = parent;
  s->record.branch_step = branch_step;
  s->compare = std::move(compare);
  s->side = side;
  s->record.owner_origin = origin();
  if (s->compare) {
    s->send_logits = m.request.probes.full_logits;
    s->record.generate.probes.full_logits = true;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_[s->id] = s;
    EmitLocked([&](int64_t seq) {
      return SessionJson(seq, s->id, s->client_id, m.model, s->record.request, parent, branch_step);
    });
  }
  // A strong reference: the session must be launched or finished even if the socket is
  // gone by then, or its place would never be given back.
  hub_->Post([self = shared_from_this(), s, model = m.model] { self->Launch(s, model); });
  return s;
}

void Connection::Compare(ClientMessage m) {
  for (const ClientMessage& side : m.sides) {
    if (hub_->IsRemote(side.model)) {
      SendError(code::kRemoteModel, RemoteCompareMessage(side.model), true);
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (int(sessions_.size()) + 2 > hub_->limits().max_sessions_per_connection) {
      EmitLocked([&](int64_t seq) {
        return ErrorJson(seq, code::kTooManySessions,
                         "a compare needs two sessions and this connection has no room for them",
                         true);
      });
      return;
    }
  }
  if (!hub_->ReserveSession()) {
    SendError(code::kTooManySessions, "the server runs its limit of sessions", true);
    return;
  }
  if (!hub_->ReserveSession()) {
    hub_->ReleaseSession();
    SendError(code::kTooManySessions, "the server has no room for the two sessions of a compare",
              true);
    return;
  }
  auto c = std::make_shared<CompareState>();
  c->id = RandomId('c');
  std::string ids[2];
  for (int side = 0; side < 2; ++side) {
    ClientMessage sm = std::move(m.sides[side]);
    sm.client_id = m.client_id.empty() ? "" : m.client_id + (side == 0 ? ".a" : ".b");
    ids[side] = Start(std::move(sm), "", -1, /*reserved=*/true, c, side)->id;
  }
  Emit([&](int64_t seq) { return CompareSessionJson(seq, c->id, m.client_id, ids[0], ids[1]); });
}

void Connection::OnCompareToken(Session& s, const Event& e) {
  CompareState& c = *s.compare;
  c.pending[s.side].emplace_back(e.id, e.logits);
  ++c.produced[s.side];
  while (!c.pending[0].empty() && !c.pending[1].empty()) {
    auto [id_a, la] = std::move(c.pending[0].front());
    auto [id_b, lb] = std::move(c.pending[1].front());
    c.pending[0].pop_front();
    c.pending[1].pop_front();
    const StepComparison cmp = CompareLogits(la, lb);
    const int index = c.steps++;
    const bool same_prefix = c.first_divergence < 0;
    if (same_prefix && id_a != id_b) c.first_divergence = index;
    c.kl_sum += cmp.kl_ab;
    c.agree += cmp.top1_a == cmp.top1_b;
    // Captured by copy: clang before 16 (the fuzz preset's) cannot capture structured bindings.
    EmitLocked([&, id_a = id_a, id_b = id_b](int64_t seq) {
      return CompareStepJson(seq, c.id, index, cmp, id_a, id_b, same_prefix);
    });
  }
}

void Connection::OnCompareEnd(Session& s) {
  CompareState& c = *s.compare;
  if (c.done[s.side]) return;
  c.done[s.side] = true;
  if (!c.done[1 - s.side]) return;
  c.pending[0].clear();
  c.pending[1].clear();
  EmitLocked([&](int64_t seq) {
    return CompareSummaryJson(seq, c.id, c.steps, c.steps > 0 ? c.kl_sum / c.steps : 0,
                              c.steps > 0 ? double(c.agree) / c.steps : 0, c.first_divergence);
  });
}

void Connection::Launch(std::shared_ptr<Session> s, std::string model_name) {
  auto fail = [&](const char* c, const std::string& message) {
    SendError(c, message, true, s->id);
    Finish(s);
  };
  if (s->cancel) {
    // Stopped before it ran: the documented `done`, with nothing measured.
    Event done;
    done.type = Event::Type::kDone;
    done.finish_reason = "cancelled";
    Emit([&](int64_t seq) { return DoneJson(seq, s->id, done); });
    Finish(s);
    return;
  }
  if (hub_->IsRemote(model_name)) return fail(code::kRemoteModel, RemoteModelMessage(model_name));
  const std::string want = model_name.empty() ? hub_->registry_.default_id() : model_name;
  const std::vector<std::string> loaded = hub_->registry_.loaded_ids();
  if (std::find(loaded.begin(), loaded.end(), want) == loaded.end()) {
    Emit([&](int64_t seq) { return StatusJson(seq, s->id, "loading"); });
  }
  Result<std::shared_ptr<LoadedModel>> lm = hub_->registry_.Acquire(model_name);
  if (!lm.ok()) return fail(code::kModelNotFound, lm.status().message());
  std::shared_ptr<LoadedModel> model = *lm;
  Scheduler& sched = *model->scheduler;
  GenerateRequest req = s->record.generate;
  if (auto err = request::Prepare(*model->model, req, sched.n_ctx(), model->vision)) {
    return fail(code::kBadRequest, err->message);
  }
  std::shared_ptr<Connection> self = shared_from_this();
  std::lock_guard<std::mutex> lock(mu_);
  s->model = model;
  s->tokenizer = &model->model->tokenizer();
  s->record.model = model->id;
  hub_->store_->Save(s->record);
  // Submitted under mu_: the session's events (which take mu_) come after "queued".
  s->ticket = sched.Submit(
      std::move(req), [self, s](const Event& e) { return self->OnEvent(s, e); },
      [self, s] { return self->Ready(*s); });
  s->submitted = true;
  if (s->cancel) sched.Cancel(s->ticket);
  EmitLocked([&](int64_t seq) { return StatusJson(seq, s->id, "queued"); });
}

bool Connection::OnEvent(const std::shared_ptr<Session>& s, const Event& e) {
  const size_t bytes = EventBytes(e);
  bool start_drain = false;
  {
    std::lock_guard<std::mutex> lock(link_mu_);
    if (s->compare && e.type == Event::Type::kToken) ++s->compare->queued[s->side];
    if (s->compare && (e.type == Event::Type::kDone || e.type == Event::Type::kError)) {
      s->compare->ended[s->side] = true;
    }
    inbox_.push_back(Pending{s, e, bytes});
    inbox_bytes_ += bytes;
    start_drain = !std::exchange(draining_, true);
  }
  if (start_drain) hub_->Deliver([self = shared_from_this()] { self->Drain(); });
  return !s->cancel;
}

void Connection::Drain() {
  for (;;) {
    Pending p;
    {
      std::lock_guard<std::mutex> lock(link_mu_);
      if (inbox_.empty()) {
        draining_ = false;  // the next OnEvent starts another Drain
        return;
      }
      p = std::move(inbox_.front());
      inbox_.pop_front();
    }
    DeliverEvent(p.session, p.event);
    std::lock_guard<std::mutex> lock(link_mu_);
    inbox_bytes_ -= p.bytes;
  }
}

void Connection::DeliverEvent(const std::shared_ptr<Session>& s, const Event& e) {
  const bool end = e.type == Event::Type::kDone || e.type == Event::Type::kError;
  std::lock_guard<std::mutex> lock(mu_);
  if (e.type == Event::Type::kPrompt) {
    s->record.prompt_tokens = e.prompt_tokens;
    s->record.prompt_images = e.prompt_images;
    s->record.prompt_pieces.clear();
    for (int32_t id : e.prompt_tokens) {
      s->record.prompt_pieces.push_back(s->tokenizer->TokenToPiece(id));
    }
  } else if (e.type == Event::Type::kToken) {
    s->record.tokens.push_back(e.id);
    s->record.steps.push_back(StepRecord{e.id, e.piece, e.logit, e.prob, e.rank, e.entropy, e.top,
                                         e.in_reasoning, e.draft, e.draft_id});
    if (s->generated++ == 0) s->first_token = Clock::now();
  } else if (e.type == Event::Type::kDone) {
    s->record.finish_reason = e.finish_reason;
  } else if (e.type == Event::Type::kError) {
    s->record.finish_reason = "error";
  }
  // Encoded while the session still holds its model: the tokenizer lives in it.
  std::vector<Frame> frames =
      EncodeEvent(&seq_, s->id, e, *s->tokenizer, s->binary, s->send_logits);
  // The finished record is queued for the store (where Find sees it at once) and the
  // session's place given back before the client hears it ended, so it can start another,
  // or branch from this one, at once.
  if (end) FinishLocked(s);
  for (Frame& f : frames) SendLocked(std::move(f));
  if (s->compare && e.type == Event::Type::kToken) OnCompareToken(*s, e);
  if (s->compare && end) OnCompareEnd(*s);
  if (e.type == Event::Type::kPrompt) {
    EmitLocked([&](int64_t seq) { return StatusJson(seq, s->id, "prefill"); });
  } else if (e.type == Event::Type::kToken && s->generated % 16 == 0) {
    const double secs = std::chrono::duration<double>(Clock::now() - s->first_token).count();
    const double tps = secs > 0 ? (s->generated - 1) / secs : 0;
    EmitLocked(
        [&](int64_t seq) { return StatusJson(seq, s->id, "generating", tps, s->generated); });
  }
}

void Connection::Finish(const std::shared_ptr<Session>& s) {
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(s);
  if (s->compare) {
    // A side that never ran must not hold the other back.
    {
      std::lock_guard<std::mutex> link(link_mu_);
      s->compare->ended[s->side] = true;
    }
    OnCompareEnd(*s);
  }
}

void Connection::FinishLocked(const std::shared_ptr<Session>& s) {
  if (sessions_.erase(s->id) == 0) return;
  if (!s->record.model.empty()) hub_->store_->Save(s->record);
  hub_->ReleaseSession(std::move(s->model));
}

void Connection::Stop(const ClientMessage& m) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(m.session);
    if (it != sessions_.end()) s = it->second;
  }
  if (s == nullptr) {
    SendError(code::kUnknownSession, "no running session '" + m.session + "' on this connection",
              true, m.session);
    return;
  }
  CancelSession(s);
}

void Connection::CancelSession(const std::shared_ptr<Session>& s) {
  s->cancel = true;
  std::shared_ptr<LoadedModel> model;
  Scheduler::Ticket ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!s->submitted) return;  // Launch() sees the flag
    model = s->model;
    ticket = s->ticket;
  }
  if (model) model->scheduler->Cancel(ticket);
}

void Connection::Branch(ClientMessage m) {
  std::optional<SessionRecord> rec;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(m.session);
    if (it != sessions_.end()) rec = it->second->record;
  }
  if (!rec) rec = hub_->store_->Find(m.session);
  // Another client's session answers exactly as a missing one: its prompt stays private and
  // its existence is not confirmed.
  if (!rec || rec->model.empty() || !MayReach(rec->owner_origin)) {
    SendError(code::kUnknownSession, "no session '" + m.session + "' to branch from", true,
              m.session);
    return;
  }
  if (m.step > int(rec->tokens.size())) {
    SendError(code::kBadRequest,
              "branch: step " + std::to_string(m.step) + " is past the " +
                  std::to_string(rec->tokens.size()) + " tokens generated so far",
              true, m.session);
    return;
  }
  // Continuing from step k with a forced token is a fresh run whose prompt is the parent's
  // prompt, its first k tokens and the forced one (the prompt is evaluated again; the
  // result is the same as if the parent had sampled that token, up to sampling randomness).
  ClientMessage b;
  b.type = "start";
  b.client_id = m.client_id;
  b.model = rec->model;
  b.binary = rec->request.contains("format") && rec->request.at("format") == "binary";
  b.request = rec->generate;
  b.request.prompt.clear();
  b.request.messages.clear();
  b.request.prompt_tokens = rec->prompt_tokens;
  b.request.prompt_tokens.insert(b.request.prompt_tokens.end(), rec->tokens.begin(),
                                 rec->tokens.begin() + m.step);
  b.request.prompt_tokens.push_back(m.token);
  if (b.request.grammar) {
    // The grammar resumes where the parent's text stood, the forced token included.
    b.request.grammar_prefix.insert(b.request.grammar_prefix.end(), rec->tokens.begin(),
                                    rec->tokens.begin() + m.step);
    b.request.grammar_prefix.push_back(m.token);
  }
  b.request.max_tokens = m.request.max_tokens > 0
                             ? m.request.max_tokens
                             : std::max(1, rec->generate.max_tokens - m.step - 1);
  b.raw = rec->request;
  b.raw["branch"] = json::object{{"session", m.session}, {"step", m.step}, {"token", m.token}};
  Start(std::move(b), m.session, m.step);
}

bool Connection::MayReach(const std::optional<std::string>& owner_origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!owner_origin || client_.key_authenticated) return true;
  // "null" is what browsers send for opaque origins (sandboxed frames, file: pages): every
  // such page sends the same word, yet no two are the same origin.
  return *owner_origin == client_.origin && client_.origin != "null";
}

std::string Connection::origin() {
  std::lock_guard<std::mutex> lock(mu_);
  return client_.origin;
}

void Connection::OnClose(const WsSender* sender) {
  bool park = false;
  std::vector<std::shared_ptr<Session>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sender != sender_.get()) return;  // an old socket of a resumed connection
    SetDetachedLocked();
    park = !token_.empty() && !sessions_.empty();
    if (!park) {
      for (const auto& [id, s] : sessions_) running.push_back(s);
    }
  }
  if (park) {
    hub_->Park(token_);
    return;
  }
  if (!token_.empty()) hub_->Forget(token_);
  for (const std::shared_ptr<Session>& s : running) CancelSession(s);
}

void Connection::CancelAll() {
  std::vector<std::shared_ptr<Session>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SetDetachedLocked();
    for (const auto& [id, s] : sessions_) running.push_back(s);
  }
  for (const std::shared_ptr<Session>& s : running) CancelSession(s);
}

// --- The WsConnection of one socket ----------------------------------------------------------

class DebuggerConnection : public WsConnection {
 public:
  DebuggerConnection(Debugger* hub, std::shared_ptr<WsSender> sender, WsClient client)
      : sender_(sender),
        conn_(std::make_shared<Connection>(hub, std::move(sender), std::move(client))) {}
  void OnText(std::string_view frame) override {
    std::shared_ptr<Connection> conn = conn_;
    conn->OnText(frame, &conn_);
  }
  void OnBinary(std::string_view) override { conn_->OnBinary(); }
  void OnClose() override { conn_->OnClose(sender_.get()); }

 private:
  std::shared_ptr<WsSender> sender_;
  std::shared_ptr<Connection> conn_;
};

// --- Debugger ---------------------------------------------------------------------------------

namespace {

// Delivery threads: encoding is CPU work (a prompt attention map takes a few hundred ms), so
// a few threads let one connection's big message not hold up the others'; more than a few
// would only compete with the model's own threads.
int DeliveryThreads(int asked) {
  if (asked > 0) return asked;
  return std::clamp(int(std::thread::hardware_concurrency()) / 2, 2, 8);
}

}  // namespace

Debugger::Debugger(ModelRegistry& registry, Limits limits, std::shared_ptr<SessionStore> store,
                   int delivery_threads)
    : registry_(registry),
      limits_(limits),
      store_(std::make_unique<WriteBehindStore>(std::move(store))) {
  worker_ = std::thread([this] { WorkerLoop(); });
  for (int i = 0; i < DeliveryThreads(delivery_threads); ++i) {
    delivery_threads_.emplace_back([this] { DeliveryLoop(); });
  }
}

Debugger::~Debugger() {
  std::map<std::string, Token> tokens;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tokens.swap(tokens_);
  }
  for (auto& [t, entry] : tokens) entry.conn->CancelAll();
  tokens.clear();
  {
    // Sessions end at their scheduler's next step; their connections call back into this
    // object until then.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return running_ == 0; });
  }
  // Deliveries first: the last events of the sessions above release models to the worker
  // and save records to the store.
  {
    std::lock_guard<std::mutex> lock(delivery_mu_);
    delivery_stop_ = true;
  }
  delivery_cv_.notify_all();
  for (std::thread& t : delivery_threads_) t.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
  store_.reset();  // writes every record still queued
}

std::unique_ptr<WsConnection> Debugger::Connect(std::shared_ptr<WsSender> sender, WsClient client) {
  return std::make_unique<DebuggerConnection>(this, std::move(sender), std::move(client));
}

int Debugger::running_sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void Debugger::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_all();
}

void Debugger::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_ || !tasks_.empty(); });
    while (!tasks_.empty()) {
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // release captures outside the lock
      lock.lock();
    }
    if (stop_) return;
    lock.unlock();
    ExpireParked();
    lock.lock();
  }
}

void Debugger::Deliver(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(delivery_mu_);
    if (delivery_stop_) return;  // shutting down: no client is left to deliver to
    deliveries_.push_back(std::move(task));
  }
  delivery_cv_.notify_one();
}

// A delivery thread. Runs every task queued before it was told to stop.
void Debugger::DeliveryLoop() {
  std::unique_lock<std::mutex> lock(delivery_mu_);
  for (;;) {
    delivery_cv_.wait(lock, [&] { return delivery_stop_ || !deliveries_.empty(); });
    if (deliveries_.empty()) return;
    std::function<void()> task = std::move(deliveries_.front());
    deliveries_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // release the connection outside the lock
    lock.lock();
  }
}

bool Debugger::ReserveSession() {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_ >= limits_.max_sessions) return false;
  ++running_;
  return true;
}

void Debugger::ReleaseSession(std::shared_ptr<LoadedModel> model) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The model reference is handed to the worker in the same step that gives the place
    // back: this thread (a delivery thread, which would otherwise wait for the model's
    // scheduler to join and hold up other connections' messages) keeps none, and ~Debugger,
    // which waits for running_ == 0, cannot stop the worker before the reference is queued.
    if (model) tasks_.push_back([m = std::move(model)] {});
    --running_;
  }
  cv_.notify_all();
}

void Debugger::Register(const std::string& token, std::shared_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_[token] = Token{std::move(conn), false, Clock::now()};
}

void Debugger::Forget(const std::string& token) {
  std::shared_ptr<Connection> conn;  // released outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return;
  conn = std::move(it->second.conn);
  tokens_.erase(it);
}

void Debugger::Park(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return;
  it->second.parked = true;
  it->second.since = Clock::now();
}

std::shared_ptr<Connection> Debugger::Find(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tokens_.find(token);
  return it == tokens_.end() ? nullptr : it->second.conn;
}

void Debugger::ExpireParked() {
  std::vector<std::shared_ptr<Connection>> expired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::time_point now = Clock::now();
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      if (it->second.parked &&
          now - it->second.since > std::chrono::seconds(limits_.resume_seconds)) {
        expired.push_back(std::move(it->second.conn));
        it = tokens_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::shared_ptr<Connection>& c : expired) c->CancelAll();
}

}  // namespace inferno::server::debugger
