// Python semantics of the operators, subscripts and iteration on template values, as
// Jinja2's sandbox evaluates them. Each throws TemplateError with Python's message on a type
// error, so a template that HF refuses is refused here too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/template/value.h"

namespace inferno::tmpl {

// a op b for + - * / // % ** ~ == != < <= > >= in "not in".
Value BinaryOp(std::string_view op, const Value& a, const Value& b);
bool Contains(const Value& container, const Value& item);
// a < b with Python's ordering (numbers, strings, lists); throws TypeError otherwise.
bool Less(const Value& a, const Value& b);

// obj.name: a method or attribute first, then an item (Jinja2's getattr order).
Value GetAttr(const Value& obj, const std::string& name);
// obj[key]: an item first, then an attribute (Jinja2's getitem order).
Value GetItem(const Value& obj, const Value& key);
Value Slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// The items `for x in value` visits (dict: its keys; string: its characters).
std::vector<Value> Iterate(const Value& value);
// len(value); throws TypeError for values without a length.
int64_t Length(const Value& value);

// Throws UndefinedError when v is undefined: what using an undefined value does in Jinja2.
void RequireDefined(const Value& v);

}  // namespace inferno::tmpl
