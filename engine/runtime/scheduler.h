// The batch scheduler: the one way requests reach a loaded model. Requests queue here; a
// worker thread admits them into up to n_slots sequences, runs their steps, and retires
// them. Each request's events go to its own sink, in order, on the scheduler's thread.
//
// Front ends (HTTP, WebSocket, CLI) only Submit() and encode events; cancellation is either
// the sink returning false or Cancel(ticket) from any thread, effective at the next step.
// TrySubmit() is Submit() with a bound on how many requests may wait for a slot.
//
// A request with n > 1 (GenerateRequest::n) takes n slots at once: its prompt is evaluated in
// one of them, copied into the others' caches, and the n sequences are decoded together.
//
// Slots keep their KV cache between requests: a request goes to the free slot whose cache
// shares the longest prefix with its prompt and evaluates only the rest (the prompt cache,
// engine/runtime/prompt_cache.h; SchedulerOptions::prompt_cache).
//
// Images in a prompt (GenerateRequest::media, engine/runtime/media.h) are encoded when their
// request takes its slot (those the cache does not already hold) and evaluated each in a pass
// of its own before the step's batch (RunMediaPass); the cache keys their positions by content.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/model.h"
#include "engine/runtime/embedder.h"
#include "engine/runtime/events.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/prompt_cache.h"
#include "engine/runtime/sequence.h"
#include "engine/runtime/speculative.h"
#include "engine/threads/thread_pool.h"
#include "engine/util/thread_annotations.h"

namespace inferno {

struct SchedulerOptions {
  int n_slots = 4;    // sequences decoded together
  int n_ctx = 2048;   // context per sequence (capped to the model's training context)
  int n_batch = 256;  // prompt tokens per forward pass
  int n_threads = 0;  // 0 = all hardware threads
  // Embeddings: the pooling of every request, instead of the model's pooling_type (as
  // llama-server's --pooling). Front ends put it in the EmbedRequest (pooling()).
  std::optional<Pooling> pooling;
  // Storage of keys and values (--cache-type-k/-v); front ends check it against the model
  // (CheckKvCacheTypes).
  KvCacheTypes kv_types;
  // Speculative decoding of every request (engine/runtime/speculative.h); CheckSpecOptions()
  // first. Off for a model that cannot speculate (Scheduler::spec_note() says why).
  SpecOptions spec;
  // Reuse the KV of a prompt prefix a slot already holds (engine/runtime/prompt_cache.h).
  bool prompt_cache = true;
};

struct SchedulerStats {
  int queued = 0;  // submitted, waiting for a slot
  int active = 0;  // in a slot
  uint64_t completed = 0;
  uint64_t generated_tokens = 0;
  // Speculative decoding: tokens drafted, and of them accepted by verification.
  uint64_t drafted_tokens = 0;
  uint64_t accepted_tokens = 0;
  uint64_t prompt_tokens = 0;  // evaluated (cached ones are not)
  PromptCacheStats prompt_cache;
};

// Places for requests waiting for a slot, shared by the schedulers of several models: the
// server bounds its queue across every model it serves (`inferno serve --max-queue`).
// Thread-safe (an atomic counter: schedulers take and give places under their own locks).
class QueueLimit {
 public:
  explicit QueueLimit(int max_waiting) : max_(max_waiting) {}
  // Takes a place; false, taking nothing, when all max() are taken.
  bool TryTake();
  void Give() { waiting_.fetch_sub(1); }
  int max() const { return max_; }
  int waiting() const { return waiting_.load(); }

 private:
  const int max_;
  std::atomic<int> waiting_{0};
};

class Scheduler {
 public:
  using Ticket = uint64_t;

  // The model must outlive the scheduler.
  Scheduler(const Model& model, const SchedulerOptions& options = {});
  // Ends everything: running requests get kDone "cancelled", queued ones a kError (the model
  // is going away). Joins the worker.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request. Events arrive at `sink` from the scheduler thread: kPrompt, kToken...,
  // then kDone, or kError. The sink must not block for long: it holds up every sequence.
  //
  // `ready`, when set, is asked before each step of this request; while it returns false the
  // request pauses (its slot and cache kept) and the others go on. This is how a front end
  // applies backpressure from a slow client without holding up the batch.
  Ticket Submit(GenerateRequest request, EventSink sink, std::function<bool()> ready = nullptr)
      EXCLUDES(mu_);

  // Submit() for a request that may only wait with a place in `limit`. When every slot is
  // busy (it would queue) and `limit` is full, nothing is queued, no event is sent and the
  // answer is nullopt, so the front end can refuse the request before answering anything.
  // The place is given back when the request leaves the queue: into a slot, cancelled, or
  // ended with the scheduler. Requests that find a free slot take no place.
  std::optional<Ticket> TrySubmit(GenerateRequest request, EventSink sink,
                                  std::function<bool()> ready, std::shared_ptr<QueueLimit> limit)
      EXCLUDES(mu_);

  // Queues an embedding request (engine/runtime/embedder.h; CheckEmbedRequest first). The
  // worker computes it whole between two generation steps, on the same threads and scratch,
  // so embeddings and generation share the machine as the batches of one model do; its inputs
  // share forward passes with each other, not with generating sequences (they need no slot and
  // no sampling). `done` is called once, on the scheduler thread: it must only hand the
  // result over (no I/O). When the scheduler ends first, `done` gets a Cancelled error.
  using EmbedDone = std::function<void(Result<EmbedResult>)>;
  void SubmitEmbedding(EmbedRequest request, EmbedDone done) EXCLUDES(mu_);

  // Cancels a queued or running request; a no-op for unknown or finished tickets.
  void Cancel(Ticket ticket) EXCLUDES(mu_);

  const Model& model() const { return model_; }
  int n_ctx() const { return n_ctx_; }
  // Sequences decoded together: the most a request's n may ask for.
  int n_slots() const { return options_.n_slots; }
  const KvCacheTypes& kv_types() const { return options_.kv_types; }
  std::optional<Pooling> pooling() const { return options_.pooling; }
  SpecMode spec_mode() const { return options_.spec.mode; }
  // Why the speculation asked for is off for this model ("" when it is on or not asked for).
  const std::string& spec_note() const { return spec_note_; }
  SchedulerStats stats() const EXCLUDES(mu_);

 private:
  struct Job;
  std::shared_ptr<Job> MakeJob(GenerateRequest request, EventSink sink,
                               std::function<bool()> ready) const;
  Ticket Enqueue(std::shared_ptr<Job> job) REQUIRES(mu_);
  void WorkerLoop() EXCLUDES(mu_);
  struct EmbedJob {
    EmbedRequest request;
    EmbedDone done;
  };
  // What the worker takes from the queues in one turn (WorkerLoop's steps below).
  struct Intake {
    std::vector<std::shared_ptr<Job>> admitted;  // in order, while their slots are free
    std::vector<std::shared_ptr<Job>> dropped;   // cancelled while queued, or stopping
    std::vector<std::shared_ptr<Job>> refused;   // n larger than the slots: never admissible
    std::deque<EmbedJob> embeds;
    bool stopping = false;
  };
  // Waits for work (or stop), then takes it; running_jobs_ becomes running + admitted.
  Intake TakeWork(const std::vector<std::shared_ptr<Job>>& running) EXCLUDES(mu_);
  // The final events of the requests that leave without running.
  void ReportUnstarted(const Intake& intake);
  // Sequences, slots and forks for the admitted requests, which join `running`.
  void StartAdmitted(const std::vector<std::shared_ptr<Job>>& admitted,
                     std::vector<std::shared_ptr<Job>>& running) EXCLUDES(mu_);
  // Every running request is paused by its client: a short wait for room, a new request, a
  // cancellation or shutdown rather than a spin.
  void WaitWhilePaused() EXCLUDES(mu_);
  // Runs (or, when stopping, cancels) the embedding requests taken from embed_queue_.
  void RunEmbeddings(std::deque<EmbedJob>& jobs, bool stopping);
  // Runs one forward pass over the next token of every decoding sequence plus as many
  // prompt tokens of prefilling ones as fit, then samples where logits came out.
  // Returns false when every running request was paused (nothing evaluated).
  bool Step(std::vector<std::shared_ptr<Job>>& running) EXCLUDES(mu_);
  // Step() in three parts, each on the worker thread's own buffers (tokens_ ... hooks_).
  // Assemble: one row per token evaluated, and each job's rows (batch_tokens, logit_row,
  // first_prompt_row). Forward: the rows' logits into logits_. Sample and emit: each job's
  // sequence advances past its rows and, where logits came out, samples (sending its events).
  void AssembleBatch(const std::vector<std::shared_ptr<Job>>& running);
  int AddDecodeRows(const std::vector<std::shared_ptr<Job>>& running);  // rows added
  // A draft of at most `room` tokens after the job's next token (speculative decoding).
  void ProposeDraft(Job& job, int room);
  void AddPromptChunks(const std::vector<std::shared_ptr<Job>>& running, int budget);
  void AddRow(const Job& job, int32_t token, int32_t position);
  void RunForward();
  struct StepCounts {
    uint64_t prompt_tokens = 0;
    uint64_t generated_tokens = 0;
    uint64_t drafted_tokens = 0;
    uint64_t accepted_tokens = 0;
    StepCounts& operator+=(const StepCounts& o) {
      prompt_tokens += o.prompt_tokens;
      generated_tokens += o.generated_tokens;
      drafted_tokens += o.drafted_tokens;
      accepted_tokens += o.accepted_tokens;
      return *this;
    }
  };
  // The job's next prompt positions are an image: evaluates it in a pass of its own (its
  // embeddings as input, bidirectional when the projector wants it) and, when it ends the
  // prompt, samples the first token. False when the job has no image to evaluate now.
  bool RunMediaPass(Job& job, StepCounts* counts);
  // Scratch for image passes, which may be longer than the batch (LLaVA 1.5: 576 tokens).
  ForwardState& MediaState(int n_tokens);
  // The job's tokens of this step: sampled from its logits row, or its draft verified.
  void TakeLogits(Job& job, StepCounts* counts);
  StepCounts SampleAndEmit(const std::vector<std::shared_ptr<Job>>& running);
  // The job's Sequence, its events counted.
  void MakeSequence(Job& job);
  // A free slot for the job (cache made on first use), keeping what the prompt cache can of
  // its prompt when `reuse`.
  void PlaceInSlot(Job& job, bool reuse);
  // Frees the job's slot, remembering what its cache holds.
  void FreeSlot(Job& job);
  // n > 1: the forks take the evaluated prompt (KV copied) and sample from its last logits;
  // they join the batch after this step (started_forks_).
  void StartForks(Job& job, std::span<const float> logits, StepCounts* counts);
  // Forks whose prompt will never be evaluated end "cancelled" and free their slots.
  void EndForks(Job& job);
  void Retire(std::vector<std::shared_ptr<Job>>& running) EXCLUDES(mu_);

  const Model& model_;
  SchedulerOptions options_;
  int n_ctx_;
  int n_batch_;
  std::string spec_note_;
  // From here to mu_: the worker thread's own, never touched by another thread.
  ThreadPool pool_;
  ForwardState state_;
  std::unique_ptr<ForwardState> media_state_;     // made by the first image pass
  std::vector<std::unique_ptr<KvCache>> caches_;  // one per slot, made on first use
  PromptCache prompt_cache_;   // which slots are busy, and what the free ones hold
  std::vector<float> logits_;  // [n_slots][n_vocab]
  // Batch assembly buffers, reused every step.
  std::vector<int32_t> tokens_, positions_, logit_rows_;
  std::vector<blocks::MropePosition> mrope_;        // per row, M-RoPE models only
  std::vector<blocks::MropePosition> media_mrope_;  // of an image's pass (RunMediaPass)
  std::vector<KvCache*> token_caches_;
  std::vector<CaptureHook*> hooks_;  // per token: Sequence::hook(), null when not probed
  std::vector<std::shared_ptr<Job>> started_forks_;  // by this step's StartForks()

  mutable Mutex mu_;
  CondVar cv_;  // a request queued or cancelled, or stop_
  std::deque<std::shared_ptr<Job>> queue_ GUARDED_BY(mu_);
  std::deque<EmbedJob> embed_queue_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Job>> running_jobs_ GUARDED_BY(mu_);  // what Cancel() sees
  Ticket next_ticket_ GUARDED_BY(mu_) = 1;
  bool stop_ GUARDED_BY(mu_) = false;
  SchedulerStats stats_ GUARDED_BY(mu_);
  std::thread worker_;
};

}  // namespace inferno
