// Which generated tokens an OpenAI response lists in its logprobs: exactly the tokens of the
// text it returns. The engine streams every sampled token, but a token may add no text yet (half
// a UTF-8 character, text held back because it may begin a stop string) or never (the
// end-of-generation token, the tokens of a stop string that ended the output). Tokens are held
// until text they belong to is released, and dropped when it never is, so the logprobs' tokens
// join to the content (the last one may run past a stop string it began).
#pragma once

#include <vector>

#include "engine/runtime/events.h"

namespace inferno::server {

class OutputTokens {
 public:
  // A kToken event: returns the tokens whose text is now released, in order (none while its
  // text is held back). Reasoning tokens are released at once: they are apart from the content.
  std::vector<Event> Take(const Event& token);
  // The kDone event: the held tokens if the end released their text (a held-back tail), else
  // none (the output ended before their text).
  std::vector<Event> Finish(const Event& done);

 private:
  std::vector<Event> held_;
};

}  // namespace inferno::server
