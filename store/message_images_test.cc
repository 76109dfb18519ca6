#include "store/message_images.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <span>

#include "engine/util/base64.h"
#include "store/limits.h"
#include "store/migrations.h"
#include "store/store.h"

namespace inferno::store {
namespace {

namespace fs = std::filesystem;

std::string DataUrl(std::string_view mime, std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  return "data:" + std::string(mime) + ";base64," + EncodeBase64(std::span(p, bytes.size()));
}

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "rest of a png";
const std::string kJpeg = "\xff\xd8\xff\xe0 a jpeg";

TEST(ImageDataUrl, ParsesTheTypesTheEngineReadsAndRoundTrips) {
  Result<StoredImage> png = ParseImageDataUrl(DataUrl("image/png", kPng), "images[0]");
  ASSERT_TRUE(png.ok()) << png.status().message();
  EXPECT_EQ(png->mime, "image/png");
  EXPECT_EQ(png->bytes, kPng);
  EXPECT_EQ(ImageDataUrl(*png), DataUrl("image/png", kPng));
  const std::string webp("RIFF\x10\0\0\0WEBPVP8 ", 16);  // the size field holds NULs
  EXPECT_TRUE(ParseImageDataUrl(DataUrl("image/webp", webp), "x").ok());
  EXPECT_TRUE(ParseImageDataUrl(DataUrl("image/gif", "GIF89a..."), "x").ok());
}

TEST(ImageDataUrl, RefusesWhatIsNoImageNamingTheField) {
  Result<StoredImage> r = ParseImageDataUrl("https://example.com/a.png", "images[1]");
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("images[1] must be a base64 data URL"), std::string::npos);
  r = ParseImageDataUrl(DataUrl("text/plain", "hello"), "images[0]");
  EXPECT_NE(r.status().message().find("media type 'text/plain'"), std::string::npos);
  // A JPEG's bytes sent as a PNG.
  r = ParseImageDataUrl(DataUrl("image/png", kJpeg), "images[0]");
  EXPECT_NE(r.status().message().find("is not a image/png file"), std::string::npos);
  r = ParseImageDataUrl("data:image/png;base64,iVB*", "images[0]");
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
}

TEST(ImageDataUrl, SizeAndCountLimits) {
  std::string big = kPng;
  big.resize(Limits::kImage + 1, 'x');
  Result<StoredImage> r = ParseImageDataUrl(DataUrl("image/png", big), "images[0]");
  EXPECT_EQ(r.status().code(), Status::Code::kOutOfRange);
  big.resize(Limits::kImage);
  EXPECT_TRUE(ParseImageDataUrl(DataUrl("image/png", big), "images[0]").ok());
  std::vector<std::string> many(Limits::kImagesPerMessage + 1, DataUrl("image/png", kPng));
  EXPECT_EQ(CheckImages(many).code(), Status::Code::kOutOfRange);
  many.pop_back();
  EXPECT_TRUE(CheckImages(many).ok());
}

class MessageImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("inferno_images_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    Result<std::unique_ptr<Store>> s = Store::Open((dir_ / "inferno.db").string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  int64_t NewConversation() {
    Result<Conversation> c = store_->CreateConversation({});
    EXPECT_TRUE(c.ok());
    return c.ok() ? c->id : 0;
  }
  int64_t CountRows(const std::string& table) {
    SQLite::Database db((dir_ / "inferno.db").string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM " + table).getInt64();
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(MessageImagesTest, MigrationEightCreatesTheTable) {
  EXPECT_EQ(Migrations()[7].version, 8);
  EXPECT_EQ(*store_->schema_version(), 8);
  EXPECT_EQ(CountRows("message_images"), 0);
}

TEST_F(MessageImagesTest, ImagesComeBackInOrderAfterReopen) {
  const int64_t conv = NewConversation();
  NewMessage m{"user", "Describe these."};
  m.images = {DataUrl("image/jpeg", kJpeg), DataUrl("image/png", kPng)};
  Result<Message> added = store_->AppendMessage(conv, m);
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->images, m.images);
  ASSERT_TRUE(store_->AppendMessage(conv, NewMessage{"assistant", "Two pictures."}).ok());
  Reopen();
  Result<Conversation> c = store_->GetConversation(conv);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->messages.size(), 2u);
  EXPECT_EQ(c->messages[0].images, m.images);
  EXPECT_TRUE(c->messages[1].images.empty());
}

TEST_F(MessageImagesTest, ABadImageLeavesNoHalfMessage) {
  const int64_t conv = NewConversation();
  NewMessage m{"user", "look"};
  m.images = {DataUrl("image/png", kPng), DataUrl("image/png", kJpeg)};
  Result<Message> added = store_->AppendMessage(conv, m);
  EXPECT_EQ(added.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(added.status().message().find("images[1]"), std::string::npos);
  EXPECT_EQ(CountRows("messages"), 0);
  EXPECT_EQ(CountRows("message_images"), 0);
  // The same in an import: nothing of the conversation is written.
  Conversation c;
  c.title = "imported";
  std::vector<NewMessage> messages{NewMessage{"user", "fine"}, m};
  EXPECT_FALSE(store_->ImportConversation(c, messages).ok());
  EXPECT_EQ(CountRows("conversations"), 1);
  EXPECT_EQ(CountRows("message_images"), 0);
}

TEST_F(MessageImagesTest, TruncatingAndDeletingTakeTheImages) {
  const int64_t conv = NewConversation();
  NewMessage m{"user", "look"};
  m.images = {DataUrl("image/png", kPng)};
  ASSERT_TRUE(store_->AppendMessage(conv, m).ok());
  ASSERT_TRUE(store_->AppendMessage(conv, m).ok());
  EXPECT_EQ(CountRows("message_images"), 2);
  const int64_t second = store_->GetConversation(conv)->messages[1].id;
  ASSERT_TRUE(store_->DeleteMessagesFrom(conv, second).ok());
  EXPECT_EQ(CountRows("message_images"), 1);
  ASSERT_TRUE(store_->DeleteConversation(conv).ok());
  EXPECT_EQ(CountRows("message_images"), 0);
}

}  // namespace
}  // namespace inferno::store
