// Profiles (named presets of model, system prompt and sampling settings) in the store's
// database; a duplicate name is kAlreadyExists.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/util/status.h"
#include "store/database.h"

namespace inferno::store {

struct Profile {
  int64_t id = 0;
  std::string name;
  std::string model;
  std::string system;
  boost::json::object settings;
};

class Profiles {
 public:
  explicit Profiles(Database& db) : db_(db) {}

  Result<std::vector<Profile>> ListProfiles();
  Result<Profile> CreateProfile(const Profile& profile);
  Result<Profile> ReplaceProfile(int64_t id, const Profile& profile);
  Status DeleteProfile(int64_t id);

 private:
  Database& db_;
};

}  // namespace inferno::store
