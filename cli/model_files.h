// Where the CLI keeps things (the data dir, the models dir), the same places `inferno serve`
// uses, and human-readable sizes and durations for listings and progress bars.
#pragma once

#include <string>

namespace inferno::cli {

// $INFERNO_DATA_DIR, else ~/.local/share/inferno: the database, logs and models.
std::string DefaultDataDir();

// --models-dir if given, else $INFERNO_MODELS_DIR, else <data dir>/models where the data dir
// is $INFERNO_DATA_DIR or ~/.local/share/inferno: the same place `inferno serve` looks.
std::string ResolveModelsDir(const std::string& flag);

// The bundled demo model (inferno-demo-Q8_0.gguf): <prefix>/share/inferno/models beside the
// binary's <prefix>/bin when installed, else the checkout's models/ for a build in the source
// tree; "" when neither exists.
std::string DemoModelPath();

// The bundled speech model (inferno-speech.bin, tools/speech-model), found as the demo model.
std::string SpeechModelPath();

// The bundled vision demo's language model (vision/inferno-demo-vision-Q8_0.gguf, its mmproj
// beside it; tools/vision-demo), found as the demo model.
std::string VisionDemoPath();

// The bundled tool-trained demo model (inferno-demo-tools-Q8_0.gguf, stage 2 of
// tools/demo-model: calls a calculator and a clock, answers in JSON), found as the demo model.
std::string ToolsDemoPath();

// The example plugins shipped with Inferno, found as DemoModelPath() finds the demo model:
// <prefix>/share/inferno/plugins when installed, else the checkout's plugins/examples; "".
std::string ShippedPluginsDir();

// 1536 -> "1.50 KiB".
std::string HumanBytes(double bytes);
// 75 -> "1:15", 3725 -> "1:02:05".
std::string HumanDuration(double seconds);

}  // namespace inferno::cli
