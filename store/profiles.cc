#include "store/profiles.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include "store/fields.h"
#include "store/timestamps.h"

namespace inferno::store {
namespace {

namespace json = boost::json;

Status ValidateProfile(const Profile& p) {
  if (p.name.empty()) return Status::InvalidArgument("a profile needs a non-empty name");
  INFERNO_RETURN_IF_ERROR(CheckText("name", p.name, Limits::kName));
  INFERNO_RETURN_IF_ERROR(CheckText("model", p.model, Limits::kModel));
  INFERNO_RETURN_IF_ERROR(CheckText("system", p.system, Limits::kContent));
  return CheckJson("settings", p.settings);
}

bool ProfileNameTaken(SQLite::Database& db, const std::string& name, int64_t except_id) {
  SQLite::Statement q(db, "SELECT 1 FROM profiles WHERE name = ? AND id != ?");
  q.bind(1, name);
  q.bind(2, except_id);
  return q.executeStep();
}

Status NameTaken(const std::string& name) {
  return Status::AlreadyExists("a profile named '" + name + "' already exists");
}

}  // namespace

Result<std::vector<Profile>> Profiles::ListProfiles() {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(),
                        "SELECT id, name, model, system, settings FROM profiles ORDER BY "
                        "name COLLATE NOCASE, id");
    std::vector<Profile> out;
    while (q.executeStep()) {
      out.push_back(Profile{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                            q.getColumn(2).getString(), q.getColumn(3).getString(),
                            ParseObject(q.getColumn(4).getString())});
    }
    return out;
  } catch (const std::exception& e) {
    return db_.Failed("listing profiles", e);
  }
}

Result<Profile> Profiles::CreateProfile(const Profile& p) {
  INFERNO_RETURN_IF_ERROR(ValidateProfile(p));
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    if (ProfileNameTaken(db_.connection(), p.name, 0)) return NameTaken(p.name);
    const int64_t now = NowMs();
    SQLite::Statement q(db_.connection(),
                        "INSERT INTO profiles (name, model, system, settings, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, p.name);
    q.bind(2, p.model);
    q.bind(3, p.system);
    q.bind(4, json::serialize(p.settings));
    q.bind(5, now);
    q.bind(6, now);
    q.exec();
    Profile out = p;
    out.id = db_.connection().getLastInsertRowid();
    return out;
  } catch (const SQLite::Exception& e) {
    // Another process may have taken the name between the check and the insert.
    if (e.getErrorCode() == SQLITE_CONSTRAINT) return NameTaken(p.name);
    return db_.Failed("creating profile", e);
  } catch (const std::exception& e) {
    return db_.Failed("creating profile", e);
  }
}

Result<Profile> Profiles::ReplaceProfile(int64_t id, const Profile& p) {
  INFERNO_RETURN_IF_ERROR(ValidateProfile(p));
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    if (ProfileNameTaken(db_.connection(), p.name, id)) return NameTaken(p.name);
    SQLite::Statement q(db_.connection(),
                        "UPDATE profiles SET name = ?, model = ?, system = ?, settings = ?, "
                        "updated_at = ? WHERE id = ?");
    q.bind(1, p.name);
    q.bind(2, p.model);
    q.bind(3, p.system);
    q.bind(4, json::serialize(p.settings));
    q.bind(5, NowMs());
    q.bind(6, id);
    if (q.exec() == 0) return Status::NotFound("no profile with id " + std::to_string(id));
    Profile out = p;
    out.id = id;
    return out;
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_CONSTRAINT) return NameTaken(p.name);
    return db_.Failed("updating profile", e);
  } catch (const std::exception& e) {
    return db_.Failed("updating profile", e);
  }
}

Status Profiles::DeleteProfile(int64_t id) {
  std::lock_guard<std::mutex> lock(db_.mu());
  try {
    SQLite::Statement q(db_.connection(), "DELETE FROM profiles WHERE id = ?");
    q.bind(1, id);
    if (q.exec() == 0) return Status::NotFound("no profile with id " + std::to_string(id));
    return Status::Ok();
  } catch (const std::exception& e) {
    return db_.Failed("deleting profile", e);
  }
}

}  // namespace inferno::store
