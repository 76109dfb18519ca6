// The tools Inferno itself provides (provider "inferno"), offered to the model beside the tools
// of MCP servers: `calculator` (arithmetic by a small recursive-descent parser, never an eval)
// and `current_time` (local date, time and zone). Their names and JSON Schemas are part of a
// contract: the demo model is trained to call them exactly so (docs/tools.md).
#pragma once

#include <boost/json/object.hpp>
#include <ctime>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace inferno::server {

struct ToolInfo {
  std::string name;
  std::string description;
  boost::json::object parameters;  // JSON Schema of the arguments
};

// What a tool call gave back: the text the model sees, and whether it is an error result (the
// tool ran but failed, e.g. a division by zero), as MCP's isError.
struct ToolOutput {
  std::string text;
  bool is_error = false;
  boost::json::array content;  // MCP content blocks; for built-ins one text block
};

std::vector<ToolInfo> BuiltinTools();

// Runs the built-in tool `name`; kNotFound for an unknown name. Bad arguments are an error
// result (is_error), not a failed call, so the model can read what went wrong.
Result<ToolOutput> CallBuiltinTool(const std::string& name, const boost::json::object& arguments);

// The value of an arithmetic expression (+ - * / %, parentheses, unary minus, decimals), or
// kInvalidArgument naming the position of the problem; division by zero is an error too.
Result<double> EvaluateArithmetic(std::string_view expression);

// A number as the calculator writes it: integers without a decimal point, others with up to
// 12 significant digits ("0.333333333333").
std::string FormatNumber(double value);

// "2026-12-03T19:04:05+01:00 (Thursday, Europe/Paris)"-style text for a moment in the local
// zone, which `current_time` returns.
std::string DescribeLocalTime(std::time_t when);

}  // namespace inferno::server
