// OpenAI's "harmony" response format (gpt-oss): the model writes one or more messages, each
// on a channel,
//
//   <|channel|>analysis<|message|>reasoning...<|end|>
//   <|start|>assistant<|channel|>final<|message|>the answer...<|return|>
//
// "analysis" is the chain of thought, "final" the answer to show, "commentary" preambles and
// tool calls (a header with " to=functions.NAME"). ParseHarmony splits generated text into the
// reasoning and the content an API returns (reasoning_content / content), as llama.cpp's
// gpt-oss chat parser does: analysis -> reasoning; final and commentary without a recipient
// -> content; messages to a recipient (tool calls) are listed but in neither.
//
// It works on a prefix too (streaming): an unterminated last message counts with what it has
// so far, and a trailing piece of a marker ("<|chan") is held back until it is complete.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace inferno {

struct HarmonyMessage {
  std::string role;       // after <|start|>, e.g. "assistant"; empty when the text omits it
  std::string channel;    // "analysis", "final", "commentary", ... ; may be empty
  std::string recipient;  // after " to=" in the header ("functions.get_weather"), or empty
  std::string format;     // after <|constrain|> ("json"), or empty
  std::string text;       // the body
  bool complete = false;  // ended by <|end|>, <|return|> or <|call|>
};

struct HarmonyParse {
  std::string reasoning;  // the analysis messages' bodies, joined by "\n"
  std::string content;    // the final (and recipient-less commentary) bodies, joined by "\n"
  std::vector<HarmonyMessage> messages;
};

struct HarmonyOptions {
  // The channel the text starts inside of, when the prompt already opened a message (it
  // ended with "<|channel|>analysis<|message|>", say). Empty: the text starts with a header,
  // or (a model that ignores the format) is plain content.
  std::string_view open_channel;
};

HarmonyParse ParseHarmony(std::string_view text, const HarmonyOptions& options = {});

}  // namespace inferno
