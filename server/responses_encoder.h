// The Responses API's output (/v1/responses): a generation's events turned into the response
// object's output items and, streamed, into OpenAI's semantic SSE events, each framed as
// "event: TYPE\ndata: {...}\n\n" with a sequence_number from 0:
//
//   response.created, response.in_progress
//   per item: response.output_item.added ... response.output_item.done, in output order:
//     reasoning (a thinking model's thought)  content_part.added, reasoning_text.delta...,
//                                              reasoning_text.done, content_part.done
//     message (the answer)                     content_part.added, output_text.delta...,
//                                              output_text.done, content_part.done
//     function_call (a tool call)              function_call_arguments.delta..., .done
//   response.completed, or response.incomplete (max_output_tokens), or response.failed
//
// A non-streamed response runs the same machine and returns the final object, so the two
// cannot disagree. No I/O here.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/events.h"

namespace inferno::server {

struct ResponseHead {
  std::string id;  // resp_...
  std::string model;
  int64_t created_at = 0;
  // The request's settings as the response object echoes them (instructions, tools,
  // tool_choice, text, temperature, top_p, max_output_tokens, store, metadata, ...).
  boost::json::object echo;
};

class ResponsesEncoder {
 public:
  explicit ResponsesEncoder(ResponseHead head);

  // response.created and response.in_progress.
  std::string Start();
  // The events a token's text, reasoning and tool-call deltas make ("" for none).
  std::string Token(const Event& e);
  // kDone: the held-back tail, every open item closed, then response.completed (or
  // response.incomplete when the output hit max_output_tokens).
  std::string Finish(const Event& done, int prompt_tokens);
  // A generation error: response.failed with the message.
  std::string Fail(const std::string& message);

  // The response object as it stands (final after Finish or Fail).
  const boost::json::object& response() const { return response_; }

 private:
  enum class Kind { kNone, kReasoning, kMessage, kCall };
  std::string Emit(const char* type, boost::json::object fields);
  std::string Open(Kind kind, boost::json::object item);
  std::string Close();
  std::string Text(Kind kind, const std::string& delta);
  std::string Calls(const std::vector<ToolCallDelta>& deltas);
  std::string Add(const Event& e);
  boost::json::object& Item() { return output().back().as_object(); }
  boost::json::array& output() { return response_["output"].as_array(); }
  boost::json::object Ref() const;  // item_id, output_index

  boost::json::object response_;
  int64_t sequence_ = 0;
  Kind open_ = Kind::kNone;
  std::string text_;  // the open item's text (reasoning, answer or arguments)
  bool incomplete_ = false;
  int reasoning_tokens_ = 0;
};

}  // namespace inferno::server
