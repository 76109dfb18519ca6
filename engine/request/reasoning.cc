#include "engine/request/reasoning.h"

#include <algorithm>

#include "engine/request/harmony.h"

namespace inferno::request {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

size_t LeadingSpace(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// Length of s without its trailing whitespace.
size_t TrimmedEnd(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && IsSpace(s[n - 1])) --n;
  return n;
}

// Length of the longest suffix of s that is a proper prefix of tag.
size_t TagPrefixSuffix(std::string_view s, std::string_view tag) {
  for (size_t len = std::min(s.size(), tag.size() - 1); len > 0; --len) {
    if (s.substr(s.size() - len) == tag.substr(0, len)) return len;
  }
  return 0;
}

}  // namespace

ReasoningSyntax DetectReasoningSyntax(const Tokenizer& tok, std::string_view chat_template) {
  if (tok.FindToken("<|channel|>") && tok.FindToken("<|message|>")) {
    return ReasoningSyntax::kHarmony;
  }
  const bool vocab = tok.FindToken(kOpen) && tok.FindToken(kClose);
  if (vocab || chat_template.find(kClose) != std::string_view::npos) {
    return ReasoningSyntax::kThinkTags;
  }
  return ReasoningSyntax::kNone;
}

ThinkTagSplitter::ThinkTagSplitter(bool open)
    : state_(open ? State::kReasoning : State::kStart), trim_(open) {}

// Before anything but whitespace: the output either opens a thought or is all answer.
void ThinkTagSplitter::StepStart(bool* more) {
  const std::string_view rest = std::string_view(pending_).substr(LeadingSpace(pending_));
  if (rest.empty()) return;
  if (rest.substr(0, kOpen.size()) == kOpen) {
    pending_.erase(0, pending_.size() - rest.size() + kOpen.size());
    state_ = State::kReasoning;
    trim_ = true;
    *more = true;
  } else if (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest) {
    return;  // "<thi": the next piece decides
  } else {
    state_ = State::kContent;
    *more = true;
  }
}

void ThinkTagSplitter::StepReasoning(SplitText* out, bool* more) {
  if (trim_) {
    pending_.erase(0, LeadingSpace(pending_));
    if (pending_.empty()) return;
    trim_ = false;
  }
  const size_t close = pending_.find(kClose);
  if (close != std::string::npos) {
    out->reasoning.append(pending_, 0, TrimmedEnd(std::string_view(pending_).substr(0, close)));
    pending_.erase(0, close + kClose.size());
    state_ = State::kContent;
    trim_ = true;
    *more = true;
    return;
  }
  // Hold back a possible "</thi" and the whitespace before it (dropped if the tag follows).
  const size_t hold = TagPrefixSuffix(pending_, kClose);
  const size_t ready = TrimmedEnd(std::string_view(pending_).substr(0, pending_.size() - hold));
  out->reasoning.append(pending_, 0, ready);
  pending_.erase(0, ready);
}

void ThinkTagSplitter::Push(std::string_view text, SplitText* out) {
  pending_ += text;
  for (bool more = true; more;) {
    more = false;
    switch (state_) {
      case State::kStart:
        StepStart(&more);
        break;
      case State::kReasoning:
        StepReasoning(out, &more);
        break;
      case State::kContent:
        if (trim_) {
          pending_.erase(0, LeadingSpace(pending_));
          if (pending_.empty()) break;
          trim_ = false;
        }
        out->content += pending_;
        pending_.clear();
        break;
    }
  }
}

void ThinkTagSplitter::Finish(SplitText* out) {
  switch (state_) {
    case State::kStart:  // whitespace or a "<thi" that never became a tag: answer text
      out->content += pending_;
      break;
    case State::kReasoning:  // stopped mid-thought: all reasoning, a cut "</thi" included
      out->reasoning.append(pending_, 0, TrimmedEnd(pending_));
      break;
    case State::kContent:
      if (!trim_) out->content += pending_;
      break;
  }
  pending_.clear();
}

PrefixParserSplitter::PrefixParserSplitter(PrefixParser parse, std::string prefix)
    : parse_(std::move(parse)), text_(std::move(prefix)) {
  if (text_.empty()) return;
  const PrefixSplit p = parse_(text_);
  sent_content_ = p.content.size();
  sent_reasoning_ = p.reasoning.size();
  in_reasoning_ = p.in_reasoning;
}

void PrefixParserSplitter::Push(std::string_view text, SplitText* out) {
  text_ += text;
  const PrefixSplit p = parse_(text_);
  // A parser reading a longer prefix only adds to each part; what it sent stays sent.
  if (p.content.size() > sent_content_) {
    out->content.append(p.content, sent_content_);
    sent_content_ = p.content.size();
  }
  if (p.reasoning.size() > sent_reasoning_) {
    out->reasoning.append(p.reasoning, sent_reasoning_);
    sent_reasoning_ = p.reasoning.size();
  }
  in_reasoning_ = p.in_reasoning;
}

bool PromptOpensThought(const Tokenizer& tok, std::span<const int32_t> prompt) {
  // The last few tokens are enough: the tag and a newline or two.
  std::string tail;
  for (size_t i = prompt.size() > 8 ? prompt.size() - 8 : 0; i < prompt.size(); ++i) {
    tail += tok.TokenToPiece(prompt[i]);
  }
  const std::string_view t = std::string_view(tail).substr(0, TrimmedEnd(tail));
  return t.size() >= kOpen.size() && t.substr(t.size() - kOpen.size()) == kOpen;
}

namespace {

// Harmony (gpt-oss): the analysis channel is the reasoning, final and recipient-less commentary
// the content; the text is still thinking while its last message is an unfinished analysis.
PrefixSplit SplitHarmony(std::string_view text) {
  HarmonyParse parse = ParseHarmony(text);
  PrefixSplit out;
  out.content = std::move(parse.content);
  out.reasoning = std::move(parse.reasoning);
  out.in_reasoning = !parse.messages.empty() && !parse.messages.back().complete &&
                     parse.messages.back().channel == "analysis";
  return out;
}

}  // namespace

std::unique_ptr<ReasoningSplitter> MakeHarmonySplitter(std::string prefix) {
  return std::make_unique<PrefixParserSplitter>(SplitHarmony, std::move(prefix));
}

ReasoningSplitterFactory ChooseSplitter(const Model& model, const GenerateRequest& req) {
  if (req.reasoning_format == ReasoningFormat::kNone) return {};
  const Tokenizer& tok = model.tokenizer();
  switch (DetectReasoningSyntax(tok, model.chat_template())) {
    case ReasoningSyntax::kThinkTags: {
      const bool open = PromptOpensThought(tok, req.prompt_tokens);
      return [open] { return std::make_unique<ThinkTagSplitter>(open); };
    }
    case ReasoningSyntax::kHarmony:
      return [prefix = req.prompt_suffix] { return MakeHarmonySplitter(prefix); };
    case ReasoningSyntax::kNone:
      return {};
  }
  return {};
}

Status ParseReasoningFormat(std::string_view name, ReasoningFormat* out) {
  if (name == "auto" || name == "deepseek") {
    *out = ReasoningFormat::kAuto;
  } else if (name == "none") {
    *out = ReasoningFormat::kNone;
  } else {
    return Status::InvalidArgument("'reasoning_format' must be one of auto, deepseek, none");
  }
  return Status::Ok();
}

const char* ReasoningFormatName(ReasoningFormat f) {
  return f == ReasoningFormat::kNone ? "none" : "auto";
}

}  // namespace inferno::request
