// Structured output: JSON Schema (the subset OpenAI's strict mode and llama.cpp's
// json_schema accept) to a Grammar whose sentences are JSON texts valid under the schema.
//
// Supported: type (one or a list), enum, const, properties (in declared order) with required
// and optional ones, additionalProperties (false, true or a schema; when absent an object with
// `properties` takes only those keys, so generated output always validates), items, minItems,
// maxItems, minLength, maxLength, pattern (schema_regex.h), format date / time / date-time /
// uuid, minimum / maximum / exclusiveMinimum / exclusiveMaximum on integers (minimum 0 on
// numbers), anyOf, oneOf (as anyOf), allOf of one schema, $ref into the document ($defs,
// definitions, any JSON pointer; recursion allowed). Annotations (title, description, default,
// examples, $schema, $id, $comment, ...) are ignored. Anything else is an error naming the
// keyword and where it is ("unsupported JSON Schema keyword 'uniqueItems' at
// #/properties/tags"), never silently dropped.
//
// Whitespace between tokens is limited (nothing, one space, or a newline and up to 16
// indentation characters) so a model cannot loop on spaces; numbers have at most 16 integer
// and 16 fraction digits, as llama.cpp's grammars.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "engine/grammar/grammar.h"
#include "engine/util/status.h"

namespace inferno::grammar {

struct SchemaGrammarOptions {
  // Literal text before and after the JSON value, e.g. a model family's tool-call markers
  // ("<tool_call>\n" ... "\n</tool_call>") when a call is forced.
  std::string prefix;
  std::string suffix;
};

// To constrain a generation: request.grammar = std::make_shared<const Grammar>(*result).
Result<Grammar> JsonSchemaGrammar(const boost::json::value& schema,
                                  const SchemaGrammarOptions& options = {});

// How a value is written.
enum class ValueForm {
  kJson,
  // An object as Qwen3-Coder's and Qwen3.5's tool calls write arguments: each declared
  // property, in order (optional ones may be left out, no others), as
  // "<parameter=KEY>\nVALUE\n</parameter>\n", VALUE as plain text when the property's type is
  // "string" (no '<' in it, so it cannot close the element; enum, const, minLength, maxLength
  // and format apply), else as JSON text.
  kXmlParameters,
};

// One alternative of a choice: literal text (control tokens spelled as grammar.h says), a
// value under `schema` written in `form`, literal text.
struct FramedSchema {
  std::string prefix;
  boost::json::value schema;
  std::string suffix;
  ValueForm form = ValueForm::kJson;
};

// A grammar whose sentences are one of `alternatives` (a forced tool call: one per tool, its
// name in the prefix). Each schema is its own document for $ref.
Result<Grammar> FramedSchemaGrammar(const std::vector<FramedSchema>& alternatives);
// Any JSON object: response_format json_object, Ollama's "format": "json".
Grammar JsonObjectGrammar();

}  // namespace inferno::grammar
