#include "engine/runtime/scheduler.h"

#include <algorithm>
#include <chrono>

namespace inferno {
namespace {

int ThreadCount(int requested) {
  if (requested > 0) return requested;
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? int(n) : 1;
}

}  // namespace

struct Scheduler::Job {
  Ticket ticket = 0;
  GenerateRequest request;
  EventSink sink;
  std::function<bool()> ready;
  Sequence::Clock::time_point submitted;
  std::atomic<bool> cancel{false};
  // The QueueLimit place this job holds while it waits (TrySubmit); given back as it leaves
  // the queue. Shared so the limit outlives a job dropped after its front end has gone.
  std::shared_ptr<QueueLimit> queue_place;
  std::unique_ptr<Sequence> seq;
  int slot = -1;
  // n > 1: the request's further sequences, each with its own slot, waiting for this one's
  // prompt; StartForks() moves them into the batch once the prompt is evaluated.
  std::vector<std::shared_ptr<Job>> forks;
  // Where this job's tokens sit in the current batch.
  int batch_tokens = 0;
  int logit_row = -1;
  int first_prompt_row = -1;  // prompt surprisal: the chunk's rows start here
  // Speculative decoding: where its drafts come from (null: it does not speculate), and this
  // step's draft, evaluated after its next token with a logits row each.
  std::unique_ptr<DraftSource> draft_source;
  Draft draft;
  bool decoding = false;  // AddDecodeRows(): decodes this step (prompt done, not paused)

  // Slots it takes: its own and its waiting forks'.
  int slots() const { return 1 + int(forks.size()); }
  // Slots its request needs when admitted.
  int group() const { return std::max(1, request.n); }

  // Its client asked to wait (the front end's backpressure): it sits this step out.
  bool paused() const { return ready && !ready(); }

  void LeaveQueue() {
    if (queue_place) queue_place->Give();
    queue_place.reset();
  }
};

bool QueueLimit::TryTake() {
  int now = waiting_.load();
  while (now < max_) {
    if (waiting_.compare_exchange_weak(now, now + 1)) return true;
  }
  return false;
}

namespace {
// Prompt chunk size when every row's logits are kept (prompt surprisal): bounds the logits
// buffer to this many vocabulary-sized rows.
constexpr int kScoredChunk = 32;

// Sequence `choice` of a request with n > 1: its own draws (seed + choice, unless random),
// reproducible with the request's seed, and no probes (the debugger runs one sequence).
GenerateRequest ForkRequest(const GenerateRequest& request, int choice) {
  GenerateRequest r = request;
  r.n = 1;
  r.probes = ProbeOptions{};
  if (r.sampling.seed != SamplingParams::kRandomSeed) {
    r.sampling.seed += uint64_t(choice);
    if (r.sampling.seed == SamplingParams::kRandomSeed) r.sampling.seed = 0;
  }
  return r;
}
}  // namespace

Scheduler::Scheduler(const Model& model, const SchedulerOptions& options)
    : model_(model),
      options_(options),
      n_ctx_(std::max(2, std::min(options.n_ctx, model.config().n_ctx_train))),
      n_batch_(std::max({1, options.n_batch, options.n_slots})),
      pool_(ThreadCount(options.n_threads)),
      state_(model.config(), n_batch_),
      prompt_cache_(std::max(1, options.n_slots), model.config().has_recurrent_layers(),
                    options.prompt_cache) {
  options_.n_slots = std::max(1, options.n_slots);
  if (options_.spec.mode != SpecMode::kOff) {
    // A server's one draft model may not suit every model it loads.
    spec_note_ = SpecUnsupported(model.config());
    if (const Status st = CheckSpecOptions(options_.spec, model); spec_note_.empty() && !st.ok()) {
      spec_note_ = "speculative decoding is off: " + st.message();
      options_.spec.mode = SpecMode::kOff;
      options_.spec.draft.reset();
    }
  }
  // A verification pass holds each sequence's next token and draft.
  options_.spec.draft_max = std::max(1, std::min(options_.spec.draft_max, n_batch_ - 1));
  caches_.resize(options_.n_slots);
  logits_.resize(size_t(options_.n_slots) * model.config().n_vocab);
  tokens_.reserve(n_batch_);
  positions_.reserve(n_batch_);
  token_caches_.reserve(n_batch_);
  hooks_.reserve(n_batch_);
  logit_rows_.reserve(options_.n_slots);
  worker_ = std::thread([this] { WorkerLoop(); });
}

Scheduler::~Scheduler() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  worker_.join();
}

std::shared_ptr<Scheduler::Job> Scheduler::MakeJob(GenerateRequest request, EventSink sink,
                                                   std::function<bool()> ready) const {
  auto job = std::make_shared<Job>();
  job->request = std::move(request);
  job->sink = std::move(sink);
  job->ready = std::move(ready);
  job->submitted = Sequence::Clock::now();
  return job;
}

Scheduler::Ticket Scheduler::Enqueue(std::shared_ptr<Job> job) {
  job->ticket = next_ticket_++;
  queue_.push_back(std::move(job));
  ++stats_.queued;
  return queue_.back()->ticket;
}

Scheduler::Ticket Scheduler::Submit(GenerateRequest request, EventSink sink,
                                    std::function<bool()> ready) {
  std::shared_ptr<Job> job = MakeJob(std::move(request), std::move(sink), std::move(ready));
  Ticket ticket;
  {
    MutexLock lock(&mu_);
    ticket = Enqueue(std::move(job));
  }
  cv_.SignalAll();
  return ticket;
}

std::optional<Scheduler::Ticket> Scheduler::TrySubmit(GenerateRequest request, EventSink sink,
                                                      std::function<bool()> ready,
                                                      std::shared_ptr<QueueLimit> limit) {
  std::shared_ptr<Job> job = MakeJob(std::move(request), std::move(sink), std::move(ready));
  Ticket ticket;
  {
    MutexLock lock(&mu_);
    // Every job not yet finished holds or awaits a slot; the jobs of other front ends
    // (Submit) count too, since this one waits behind them all the same. A request with n > 1
    // needs n free slots.
    const bool would_wait = stats_.active + stats_.queued + job->group() > options_.n_slots;
    if (would_wait) {
      if (!limit->TryTake()) return std::nullopt;
      job->queue_place = std::move(limit);
    }
    ticket = Enqueue(std::move(job));
  }
  cv_.SignalAll();
  return ticket;
}

void Scheduler::SubmitEmbedding(EmbedRequest request, EmbedDone done) {
  bool stopped = false;
  {
    MutexLock lock(&mu_);
    stopped = stop_;  // the worker may have gone: it would never answer
    if (!stopped) embed_queue_.push_back({std::move(request), std::move(done)});
  }
  if (stopped) {
    done(Status::Cancelled("the model was unloaded before the request started"));
    return;
  }
  cv_.SignalAll();
}

void Scheduler::RunEmbeddings(std::deque<EmbedJob>& jobs, bool stopping) {
  for (EmbedJob& job : jobs) {
    if (stopping) {
      job.done(Status::Cancelled("the model was unloaded before the request started"));
    } else {
      job.done(Embed(model_, pool_, state_, job.request));
    }
  }
  jobs.clear();
}

void Scheduler::Cancel(Ticket ticket) {
  {
    MutexLock lock(&mu_);
    for (const std::shared_ptr<Job>& job : queue_) {
      if (job->ticket == ticket) job->cancel = true;
    }
    for (const std::shared_ptr<Job>& job : running_jobs_) {
      if (job->ticket == ticket) job->cancel = true;
    }
  }
  cv_.SignalAll();
}

SchedulerStats Scheduler::stats() const {
  MutexLock lock(&mu_);
  return stats_;
}

void Scheduler::WorkerLoop() {
  std::vector<std::shared_ptr<Job>> running;
  for (;;) {
    Intake intake = TakeWork(running);
    ReportUnstarted(intake);
    RunEmbeddings(intake.embeds, intake.stopping);
    if (intake.stopping) {
      for (const std::shared_ptr<Job>& job : running) {
        job->seq->Cancel();
        EndForks(*job);
      }
      MutexLock lock(&mu_);
      running_jobs_.clear();
      return;
    }
    StartAdmitted(intake.admitted, running);
    for (const std::shared_ptr<Job>& job : running) {
      if (job->cancel) job->seq->Cancel();
    }
    Retire(running);
    const bool stepped = running.empty() || Step(running);
    Retire(running);
    if (!stepped) WaitWhilePaused();
  }
}

Scheduler::Intake Scheduler::TakeWork(const std::vector<std::shared_ptr<Job>>& running) {
  Intake intake;
  MutexLock lock(&mu_);
  while (!stop_ && queue_.empty() && embed_queue_.empty() && running.empty()) cv_.Wait(&mu_);
  intake.stopping = stop_;
  intake.embeds.swap(embed_queue_);
  // Requests cancelled while waiting leave the queue without running.
  for (auto it = queue_.begin(); it != queue_.end();) {
    if ((*it)->cancel || intake.stopping) {
      (*it)->LeaveQueue();
      intake.dropped.push_back(*it);
      it = queue_.erase(it);
      --stats_.queued;
    } else {
      ++it;
    }
  }
  int used = 0;
  for (const std::shared_ptr<Job>& job : running) used += job->slots();
  // In order: a request with n > 1 waits for its n slots, and the ones behind it wait too.
  while (!intake.stopping && !queue_.empty()) {
    const std::shared_ptr<Job> front = queue_.front();
    const bool too_big = front->group() > options_.n_slots;
    if (!too_big && used + front->group() > options_.n_slots) break;
    front->LeaveQueue();
    queue_.pop_front();
    --stats_.queued;
    if (too_big) {
      intake.refused.push_back(front);
      continue;
    }
    used += front->group();
    stats_.active += front->group();
    intake.admitted.push_back(front);
  }
  running_jobs_ = running;
  running_jobs_.insert(running_jobs_.end(), intake.admitted.begin(), intake.admitted.end());
  return intake;
}

void Scheduler::ReportUnstarted(const Intake& intake) {
  for (const std::shared_ptr<Job>& job : intake.dropped) {
    Event e;
    if (intake.stopping) {
      e.type = Event::Type::kError;
      e.error = Status::Cancelled("the model was unloaded before the request started");
    } else {
      e.type = Event::Type::kDone;
      e.finish_reason = "cancelled";
    }
    job->sink(e);
  }
  for (const std::shared_ptr<Job>& job : intake.refused) {
    Event e;
    e.type = Event::Type::kError;
    e.error = Status::InvalidArgument("n = " + std::to_string(job->group()) +
                                      " sequences, but the model decodes at most " +
                                      std::to_string(options_.n_slots) + " together");
    job->sink(e);
  }
}

void Scheduler::StartAdmitted(const std::vector<std::shared_ptr<Job>>& admitted,
                              std::vector<std::shared_ptr<Job>>& running) {
  for (const std::shared_ptr<Job>& job : admitted) {
    MakeSequence(*job);
    // On failure the sequence reported kError and is finished: it needs no slot.
    if (job->seq->Start().ok()) PlaceInSlot(*job, ReusesPrefix(job->request.probes));
    for (int choice = 1; choice < job->group(); ++choice) {
      auto fork = std::make_shared<Job>();
      fork->ticket = job->ticket;
      fork->request = ForkRequest(job->request, choice);
      fork->sink = job->sink;
      fork->ready = job->ready;
      fork->submitted = job->submitted;
      MakeSequence(*fork);
      PlaceInSlot(*fork, /*reuse=*/false);  // its cache is copied from the job's
      job->forks.push_back(std::move(fork));
    }
    running.push_back(job);
  }
  if (!admitted.empty()) {
    MutexLock lock(&mu_);
    stats_.prompt_cache = prompt_cache_.stats();
  }
}

void Scheduler::WaitWhilePaused() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
  MutexLock lock(&mu_);
  while (!stop_ && queue_.empty()) {
    if (!cv_.WaitUntil(&mu_, deadline)) break;
  }
}

void Scheduler::PlaceInSlot(Job& job, bool reuse) {
  std::vector<MediaSpan>& media = job.request.media;
  PromptCache::Placement place =
      prompt_cache_.Acquire(MediaCacheKey(job.seq->prompt(), media), reuse);
  job.slot = place.slot;
  std::unique_ptr<KvCache>& cache = caches_[size_t(place.slot)];
  if (!cache) cache = std::make_unique<KvCache>(model_.config(), n_ctx_, options_.kv_types);
  // A prefix cut inside an image goes back to its start; a recurrent state cannot go back.
  const int boundary = MediaPrefixBoundary(media, place.reuse);
  if (boundary != place.reuse && !place.restore.empty()) {
    place.reuse = 0;
    place.restore.clear();
  }
  place.reuse = std::min(place.reuse, boundary);
  if (!place.restore.empty()) cache->RestoreRecurrent(place.restore, place.reuse);
  job.seq->ReusePrefix(place.reuse);
  // Images not already in the cache are encoded now, on the worker's threads: the other
  // sequences wait for the encoder as they would for a long prompt chunk.
  const Sequence::Clock::time_point before = Sequence::Clock::now();
  EmbedMedia(pool_, place.reuse, &media);
  job.seq->AddMediaTimeSince(before);
}

void Scheduler::FreeSlot(Job& job) {
  if (job.slot < 0) return;
  std::vector<int32_t> tokens = job.seq->CachedTokens();
  // What the sequence says its cache holds must be what recurrent states absorbed, or a
  // later request would continue a state that does not match its tokens.
  if (!RecurrentStateHolds(*caches_[size_t(job.slot)], model_.config().n_layer,
                           int(tokens.size()))) {
    tokens.clear();
  }
  prompt_cache_.Release(job.slot, MediaCacheKey(tokens, job.request.media));
  job.slot = -1;
}

void Scheduler::MakeSequence(Job& job) {
  Job* raw = &job;
  // Counters change before the client sees the end, so stats() agrees with what
  // clients have been told.
  EventSink sink = [this, raw](const Event& e) {
    if (e.type == Event::Type::kDone || e.type == Event::Type::kError) {
      MutexLock lock(&mu_);
      --stats_.active;
      ++stats_.completed;
    }
    return raw->sink(e) && !raw->cancel;
  };
  job.seq = std::make_unique<Sequence>(model_, job.request, std::move(sink), n_ctx_, job.submitted);
  job.draft_source =
      MakeDraftSource(RequestSpec(options_.spec, AskedSpeculation(job.request), model_.config()),
                      pool_, n_ctx_, job.request.sampling);
}

void Scheduler::StartForks(Job& job, std::span<const float> logits, StepCounts* counts) {
  const Sequence& prefilled = *job.seq;
  int choice = 1;
  for (std::shared_ptr<Job>& fork : job.forks) {
    caches_[fork->slot]->CopyPrefix(*caches_[job.slot], prefilled.pos());
    fork->seq->StartFrom(prefilled, choice++);
    ++counts->generated_tokens;
    (void)fork->seq->OnLogits(logits);
    started_forks_.push_back(std::move(fork));
  }
  job.forks.clear();
}

void Scheduler::EndForks(Job& job) {
  for (const std::shared_ptr<Job>& fork : job.forks) {
    fork->seq->Cancel();
    FreeSlot(*fork);
  }
  job.forks.clear();
}

bool Scheduler::Step(std::vector<std::shared_ptr<Job>>& running) {
  StepCounts counts;
  bool media = false;
  for (const std::shared_ptr<Job>& job : running) media = RunMediaPass(*job, &counts) || media;
  AssembleBatch(running);
  if (tokens_.empty() && !media) return false;
  if (!tokens_.empty()) {
    RunForward();
    counts += SampleAndEmit(running);
  }
  MutexLock lock(&mu_);
  stats_.prompt_tokens += counts.prompt_tokens;
  stats_.generated_tokens += counts.generated_tokens;
  stats_.drafted_tokens += counts.drafted_tokens;
  stats_.accepted_tokens += counts.accepted_tokens;
  if (!started_forks_.empty()) {
    running.insert(running.end(), started_forks_.begin(), started_forks_.end());
    started_forks_.clear();
    running_jobs_ = running;
  }
  return true;
}

void Scheduler::AssembleBatch(const std::vector<std::shared_ptr<Job>>& running) {
  tokens_.clear();
  positions_.clear();
  mrope_.clear();
  token_caches_.clear();
  logit_rows_.clear();
  hooks_.clear();
  for (const std::shared_ptr<Job>& job : running) {
    job->batch_tokens = 0;
    job->logit_row = -1;
    job->first_prompt_row = -1;
  }
  // Decoding sequences first: one token each, so a long prompt arriving never stalls them
  // for more than one step. Then prompt chunks with what is left of the batch.
  const int decoding = AddDecodeRows(running);
  AddPromptChunks(running, n_batch_ - decoding);
}

void Scheduler::AddRow(const Job& job, int32_t token, int32_t position) {
  tokens_.push_back(token);
  positions_.push_back(position);
  if (model_.config().mrope()) mrope_.push_back(MropePositionAt(job.request.media, position));
  token_caches_.push_back(caches_[job.slot].get());
  hooks_.push_back(job.seq->hook(position));
}

int Scheduler::AddDecodeRows(const std::vector<std::shared_ptr<Job>>& running) {
  // Asked once per step: a client's readiness may change while the batch is assembled.
  int decoders = 0;
  for (const std::shared_ptr<Job>& job : running) {
    job->decoding = job->seq->PromptDone() && !job->paused();
    decoders += job->decoding;
  }
  // Drafts share what the batch holds beyond one row per decoding sequence.
  int spare = n_batch_ - decoders;
  for (const std::shared_ptr<Job>& job : running) {
    if (!job->decoding) continue;
    Sequence& seq = *job->seq;
    ProposeDraft(*job, std::min(spare, seq.DraftRoom(options_.spec.draft_max)));
    const int k = int(job->draft.tokens.size());
    spare -= k;
    job->batch_tokens = 1;
    job->logit_row = int(logit_rows_.size());
    logit_rows_.push_back(int32_t(tokens_.size()));
    AddRow(*job, seq.next_token(), seq.pos());
    for (int i = 0; i < k; ++i) {
      logit_rows_.push_back(int32_t(tokens_.size()));
      AddRow(*job, job->draft.tokens[size_t(i)], seq.pos() + 1 + i);
    }
  }
  return int(tokens_.size());
}

void Scheduler::ProposeDraft(Job& job, int room) {
  job.draft.Clear();
  if (job.draft_source && room > 0) job.draft_source->Propose(job.seq->context(), room, &job.draft);
}

void Scheduler::AddPromptChunks(const std::vector<std::shared_ptr<Job>>& running, int budget) {
  for (const std::shared_ptr<Job>& job : running) {
    Sequence& seq = *job->seq;
    if (seq.PromptDone() || budget <= 0 || job->paused()) continue;
    // An image is evaluated by a pass of its own (RunMediaPass), at the next step.
    if (MediaAt(job->request.media, seq.pos()) != nullptr) continue;
    const bool scored = seq.wants_prompt_logits();
    const std::span<const int32_t> chunk = seq.NextPromptChunk(PromptChunkLimit(
        job->request.media, seq.pos(), scored ? std::min(budget, kScoredChunk) : budget));
    const bool last = seq.pos() + int(chunk.size()) == seq.timings().prompt_tokens;
    if (scored) job->first_prompt_row = int(logit_rows_.size());
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (scored) logit_rows_.push_back(int32_t(tokens_.size()));
      AddRow(*job, chunk[i], seq.pos() + int32_t(i));
    }
    job->batch_tokens = int(chunk.size());
    budget -= int(chunk.size());
    if (last) {
      if (!scored) logit_rows_.push_back(int32_t(tokens_.size() - 1));
      job->logit_row = int(logit_rows_.size()) - 1;
    }
  }
}

ForwardState& Scheduler::MediaState(int n_tokens) {
  if (!media_state_ || media_state_->max_tokens < n_tokens) {
    media_state_ = std::make_unique<ForwardState>(model_.config(), n_tokens);
  }
  return *media_state_;
}

bool Scheduler::RunMediaPass(Job& job, StepCounts* counts) {
  Sequence& seq = *job.seq;
  if (seq.finished() || seq.PromptDone() || job.paused()) return false;
  const MediaSpan* span = MediaAt(job.request.media, seq.pos());
  if (span == nullptr) return false;
  const int n = span->n_tokens;
  const std::span<const int32_t> chunk = seq.NextPromptChunk(n);
  const bool scored = seq.wants_prompt_logits();
  const size_t n_vocab = size_t(model_.config().n_vocab);
  if (logits_.size() < size_t(n) * n_vocab) logits_.resize(size_t(n) * n_vocab);
  positions_.clear();
  hooks_.clear();
  bool probing = false;
  for (int i = 0; i < n; ++i) {
    positions_.push_back(seq.pos() + i);
    hooks_.push_back(seq.hook(seq.pos() + i));
    probing = probing || hooks_.back() != nullptr;
  }
  ForwardState& st = MediaState(n);
  st.input_embeddings = span->embeddings.data();
  st.bidirectional = span->bidirectional;
  MropePositions(job.request.media, seq.pos(), n, &media_mrope_);
  st.mrope = model_.config().mrope() ? media_mrope_.data() : nullptr;
  Forward(model_, pool_, *caches_[size_t(job.slot)], chunk, positions_, st, logits_.data(), scored,
          probing ? std::span<CaptureHook* const>(hooks_) : std::span<CaptureHook* const>());
  st.input_embeddings = nullptr;
  st.bidirectional = false;
  st.mrope = nullptr;
  counts->prompt_tokens += uint64_t(n);
  if (scored) seq.OnPromptLogits(std::span<const float>(logits_.data(), size_t(n) * n_vocab), n);
  seq.Advance(n);
  if (!seq.PromptDone()) return true;
  // The prompt ended with the image: its last row's logits start the generation.
  prompt_cache_.Checkpoint(job.slot, MediaCacheKey(seq.prompt(), job.request.media),
                           *caches_[size_t(job.slot)], model_.config().n_layer);
  if (seq.probes_tokens()) seq.AfterForward(pool_, st);
  job.draft.Clear();
  job.logit_row = scored ? n - 1 : 0;
  TakeLogits(job, counts);
  job.logit_row = -1;
  return true;
}

void Scheduler::RunForward() {
  const size_t n_vocab = size_t(model_.config().n_vocab);
  if (logits_.size() < logit_rows_.size() * n_vocab) logits_.resize(logit_rows_.size() * n_vocab);
  // No hooks at all when nobody probes: the pass then skips every capture point.
  const bool probing =
      std::any_of(hooks_.begin(), hooks_.end(), [](const CaptureHook* h) { return h != nullptr; });
  const std::span<CaptureHook* const> hooks =
      probing ? std::span<CaptureHook* const>(hooks_) : std::span<CaptureHook* const>();
  state_.mrope = mrope_.empty() ? nullptr : mrope_.data();
  ForwardBatch(model_, pool_, token_caches_, tokens_, positions_, logit_rows_, state_,
               logits_.data(), hooks);
}

Scheduler::StepCounts Scheduler::SampleAndEmit(const std::vector<std::shared_ptr<Job>>& running) {
  const size_t n_vocab = size_t(model_.config().n_vocab);
  StepCounts counts;
  for (const std::shared_ptr<Job>& job : running) {
    if (job->batch_tokens == 0) continue;
    Sequence& seq = *job->seq;
    const bool in_prompt = !seq.PromptDone();
    if (in_prompt) counts.prompt_tokens += job->batch_tokens;
    if (job->first_prompt_row >= 0) {
      seq.OnPromptLogits(std::span<const float>(logits_.data() + job->first_prompt_row * n_vocab,
                                                size_t(job->batch_tokens) * n_vocab),
                         job->batch_tokens);
    }
    seq.Advance(job->batch_tokens);
    if (in_prompt && seq.PromptDone()) {
      prompt_cache_.Checkpoint(job->slot, MediaCacheKey(seq.prompt(), job->request.media),
                               *caches_[size_t(job->slot)], model_.config().n_layer);
    }
    if (job->logit_row < 0) continue;
    if (seq.probes_tokens()) seq.AfterForward(pool_, state_);
    TakeLogits(*job, &counts);
  }
  return counts;
}

void Scheduler::TakeLogits(Job& job, StepCounts* counts) {
  const size_t n_vocab = size_t(model_.config().n_vocab);
  Sequence& seq = *job.seq;
  const float* row = logits_.data() + size_t(job.logit_row) * n_vocab;
  if (job.draft.tokens.empty()) {
    ++counts->generated_tokens;
    const std::span<const float> logits(row, n_vocab);
    (void)seq.OnLogits(logits);
    // The prompt's last logits start the request's other sequences too.
    if (!job.forks.empty()) StartForks(job, logits, counts);
    return;
  }
  const Timings before = seq.timings();
  const size_t k = job.draft.tokens.size();
  (void)seq.OnDraftLogits(std::span<const float>(row, (k + 1) * n_vocab), job.draft);
  const Timings& after = seq.timings();
  counts->generated_tokens += uint64_t(after.generated_tokens - before.generated_tokens);
  counts->drafted_tokens += uint64_t(after.drafted_tokens - before.drafted_tokens);
  counts->accepted_tokens += uint64_t(after.accepted_tokens - before.accepted_tokens);
}

void Scheduler::Retire(std::vector<std::shared_ptr<Job>>& running) {
  const size_t before = running.size();
  for (auto it = running.begin(); it != running.end();) {
    if ((*it)->seq->finished()) {
      FreeSlot(**it);
      EndForks(**it);  // a prompt that never finished starts no fork
      it = running.erase(it);
    } else {
      ++it;
    }
  }
  if (running.size() == before) return;
  MutexLock lock(&mu_);
  running_jobs_ = running;
}

}  // namespace inferno
