// libFuzzer target for what a remote OpenAI-compatible endpoint sends back to the front ends
// that translate its stream (server/remote_generation.h): the bytes as a text/event-stream
// body, cut into events by SseRelay in two pieces (the first byte says where, as a network
// would split it), each event read by RemoteEventReader into the engine's events. Oracle
// besides the sanitizers: nothing throws, token indexes count up from 0 and the kDone counts
// are never negative.
#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/remote_generation.h"
#include "server/remote_proxy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace inferno;
  using namespace inferno::server;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t cut = std::min<size_t>(data[0], body.size());
  SseRelay relay("ep/model");
  RemoteEventReader reader;
  std::vector<boost::json::object> objects;
  if (relay.Objects(body.substr(0, cut), &objects).ok()) {
    (void)relay.Objects(body.substr(cut), &objects);
  }
  std::vector<Event> events;
  for (const boost::json::object& o : objects) reader.Chunk(o, &events);
  int index = 0;
  for (const Event& e : events) {
    if (e.type == Event::Type::kToken && e.index != index++) std::abort();
  }
  const Event done = reader.Done();
  if (done.timings.generated_tokens < 0 || done.timings.prompt_tokens < 0) std::abort();
  return 0;
}
