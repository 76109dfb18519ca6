// With server/http_parse.cc, the only translation units that include Boost.Beast (it is
// heavy to compile).
//
// Each connection gets a thread with its own io_context. Reads and writes are asynchronous
// operations with deadlines, run to completion with io_context::run() so the code still
// reads top to bottom; that is how a silent or stalled client is timed out, which blocking
// socket calls cannot do.
#include "server/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <deque>

#include "engine/util/thread_annotations.h"
#include "server/body_limits.h"
#include "server/errors.h"
#include "server/http_beast.h"

namespace inferno::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

constexpr auto kWriteTimeout = std::chrono::seconds(30);

// Runs the io_context until the operation started before it completes.
void RunOnce(net::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

// Writes on a tcp_stream with a deadline.
template <typename Write>
beast::error_code TimedWrite(net::io_context& ioc, beast::tcp_stream& stream, Write&& start) {
  beast::error_code result;
  stream.expires_after(kWriteTimeout);
  start([&](beast::error_code ec, size_t) { result = ec; });
  RunOnce(ioc);
  stream.expires_never();
  return result;
}

// After an error answered before the whole request was read: closing a socket with unread
// bytes makes the kernel send a reset, which can destroy the answer before the client reads
// it. So stop writing, and read and discard what the client still sends, for a short while.
void DrainBeforeClose(net::io_context& ioc, beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 4096> sink;
  size_t drained = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (!ec && drained < (8u << 20)) {
    size_t n = 0;
    stream.async_read_some(net::buffer(sink), [&](beast::error_code e, size_t got) {
      ec = e;
      n = got;
    });
    RunOnce(ioc);
    drained += n;
  }
  stream.expires_never();
}

class ConnectionWriter : public ResponseWriter {
 public:
  ConnectionWriter(net::io_context& ioc, beast::tcp_stream& stream, unsigned version,
                   bool keep_alive)
      : ioc_(ioc), stream_(stream), version_(version), keep_alive_(keep_alive) {}

  void Send(Response r) override {
    if (started_) return;
    started_ = true;
    http::response<http::string_body> res{static_cast<http::status>(r.status), version_};
    res.set(http::field::server, "inferno");
    res.set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.body() = std::move(r.body);
    res.prepare_payload();
    failed_ = TimedWrite(ioc_, stream_, [&](auto handler) {
                http::async_write(stream_, res, std::move(handler));
              }).failed();
  }

  // HTTP/1.1 streams are chunked. HTTP/1.0 has no chunked encoding: the body is the raw
  // bytes and its end is the connection's close.
  bool StartStream(int status, std::string content_type, Headers headers) override {
    if (started_) return false;
    started_ = true;
    streaming_ = true;
    close_delimited_ = version_ < 11;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "inferno");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-cache");
    for (const auto& [k, v] : headers) res.set(k, v);
    if (close_delimited_) {
      res.set(http::field::connection, "close");
    } else {
      res.keep_alive(keep_alive_);
      res.chunked(true);
    }
    http::response_serializer<http::empty_body> sr{res};
    failed_ = TimedWrite(ioc_, stream_, [&](auto handler) {
                http::async_write_header(stream_, sr, std::move(handler));
              }).failed();
    return !failed_;
  }

  bool Write(std::string_view data) override {
    if (!streaming_ || failed_) return false;
    if (data.empty()) return true;
    if (close_delimited_) {
      failed_ =
          TimedWrite(ioc_, stream_, [&](auto handler) {
            net::async_write(stream_, net::buffer(data.data(), data.size()), std::move(handler));
          }).failed();
      return !failed_;
    }
    char size_line[24];
    const int n = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", data.size());
    const std::array<net::const_buffer, 3> buffers = {net::buffer(size_line, size_t(n)),
                                                      net::buffer(data.data(), data.size()),
                                                      net::buffer("\r\n", 2)};
    failed_ = TimedWrite(ioc_, stream_, [&](auto handler) {
                net::async_write(stream_, buffers, std::move(handler));
              }).failed();
    return !failed_;
  }

  // A close-delimited stream ends when the connection closes (reusable() says it must).
  void EndStream() override {
    if (!streaming_ || failed_) return;
    streaming_ = false;
    if (close_delimited_) return;
    failed_ = TimedWrite(ioc_, stream_, [&](auto handler) {
                net::async_write(stream_, net::buffer("0\r\n\r\n", 5), std::move(handler));
              }).failed();
  }

  bool started() const override { return started_; }
  bool failed() const { return failed_; }
  // A stream never ended (handler returned mid-stream) leaves the connection unusable.
  bool reusable() const { return !failed_ && !streaming_ && keep_alive_ && !close_delimited_; }

 private:
  net::io_context& ioc_;
  beast::tcp_stream& stream_;
  unsigned version_;
  bool keep_alive_;
  bool started_ = false;
  bool streaming_ = false;
  bool close_delimited_ = false;  // an HTTP/1.0 stream: the connection must close after it
  bool failed_ = false;
};

// WebSocket sender: frames are queued from any thread and written in order by the
// connection's io_context thread.
class BeastWsSender : public WsSender, public std::enable_shared_from_this<BeastWsSender> {
 public:
  BeastWsSender() : ws_(ioc_) {}

  net::io_context& ioc() { return ioc_; }
  websocket::stream<tcp::socket>& ws() { return ws_; }

  bool SendText(std::string frame) override { return Enqueue(std::move(frame), false); }
  bool SendBinary(std::string frame) override { return Enqueue(std::move(frame), true); }
  size_t queued_bytes() const override {
    MutexLock lock(&mu_);
    return queued_bytes_;
  }
  bool WaitForRoom(size_t limit) override {
    MutexLock lock(&mu_);
    while (queued_bytes_ > limit && !closed_) cv_.Wait(&mu_);
    return !closed_;
  }
  void Close() override {
    {
      MutexLock lock(&mu_);
      if (closed_ || close_requested_) return;
      close_requested_ = true;
    }
    std::weak_ptr<BeastWsSender> weak = shared_from_this();
    net::post(ioc_, [weak] {
      if (auto self = weak.lock()) self->MaybeClose();
    });
  }
  bool closed() const override {
    MutexLock lock(&mu_);
    return closed_ || close_requested_;
  }

  // Starts the read loop; frames go to `conn` until the socket closes.
  void StartReading(WsConnection* conn) {
    conn_ = conn;
    ReadNext();
  }
  void MarkClosed() {
    {
      MutexLock lock(&mu_);
      closed_ = true;
      frames_.clear();
      queued_bytes_ = 0;
    }
    cv_.SignalAll();
  }

 private:
  struct Frame {
    std::string data;
    bool binary;
  };

  bool Enqueue(std::string frame, bool binary) {
    {
      MutexLock lock(&mu_);
      if (closed_ || close_requested_) return false;
      queued_bytes_ += frame.size();
      frames_.push_back({std::move(frame), binary});
    }
    std::weak_ptr<BeastWsSender> weak = shared_from_this();
    net::post(ioc_, [weak] {
      if (auto self = weak.lock()) self->WriteNext();
    });
    return true;
  }

  // On the io thread.
  void WriteNext() {
    const Frame* front = nullptr;
    {
      MutexLock lock(&mu_);
      if (writing_ || frames_.empty() || closed_) return;
      writing_ = true;
      front = &frames_.front();  // deque elements stay put while others are appended
    }
    ws_.binary(front->binary);
    ws_.async_write(net::buffer(front->data),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      {
                        MutexLock lock(&self->mu_);
                        self->writing_ = false;
                        if (!self->frames_.empty()) {
                          self->queued_bytes_ -= self->frames_.front().data.size();
                          self->frames_.pop_front();
                        }
                      }
                      self->cv_.SignalAll();
                      if (ec) {
                        self->MarkClosed();
                        return;
                      }
                      self->WriteNext();
                      self->MaybeClose();
                    });
  }

  void MaybeClose() {
    {
      MutexLock lock(&mu_);
      if (!close_requested_ || writing_ || !frames_.empty() || closing_ || closed_) return;
      closing_ = true;
    }
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](beast::error_code) {});
  }

  void ReadNext() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->MarkClosed();
        if (self->conn_ != nullptr) self->conn_->OnClose();
        self->conn_ = nullptr;
        // The stream's idle/ping timer would keep run() (and this connection's thread, and a
        // server shutting down) waiting for up to 150 s after the peer is gone.
        self->ioc_.stop();
        return;
      }
      const std::string frame = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      if (self->ws_.got_text()) {
        self->conn_->OnText(frame);
      } else {
        self->conn_->OnBinary(frame);
      }
      self->ReadNext();
    });
  }

  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  WsConnection* conn_ = nullptr;

  mutable Mutex mu_;
  CondVar cv_;  // queued_bytes_ went down, or closed_
  std::deque<Frame> frames_ GUARDED_BY(mu_);
  size_t queued_bytes_ GUARDED_BY(mu_) = 0;
  bool writing_ GUARDED_BY(mu_) = false;
  bool close_requested_ GUARDED_BY(mu_) = false;
  bool closing_ GUARDED_BY(mu_) = false;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  WsFactory ws_factory;
  WsAccept ws_accept;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::atomic<bool> stopping{false};

  Mutex mu;
  CondVar cv;  // active went down
  int active GUARDED_BY(mu) = 0;
  std::set<int> fds GUARDED_BY(mu);  // open connection sockets, shut down on Stop()

  void Serve(int fd, tcp::endpoint remote);
  // 413, 431 or 400 for a request that could not be read, naming the limit it broke.
  Response ReadErrorResponse(beast::error_code read_ec, size_t body_limit) const;
  void ServeWebSocket(net::io_context& cioc, beast::tcp_stream& stream,
                      http::request<http::string_body>& req, WsClient client);
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, WsFactory ws_factory,
                       WsAccept ws_accept)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->ws_factory = std::move(ws_factory);
  impl_->ws_accept = std::move(ws_accept);
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen() {
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(impl_->options.host, ec);
  if (ec)
    return Status::InvalidArgument("--host '" + impl_->options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->options.port));
  tcp::acceptor& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (ec) {
    return Status::IoError("cannot listen on " + impl_->options.host + ":" +
                           std::to_string(impl_->options.port) + ": " + ec.message() +
                           (ec == net::error::address_in_use
                                ? " (another server is running there; pick one with --port)"
                                : ""));
  }
  a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("listen: " + ec.message());
  port_ = a.local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Run() {
  Impl& im = *impl_;
  while (!im.stopping) {
    tcp::endpoint remote;
    beast::error_code ec;
    tcp::socket socket(im.ioc);
    im.acceptor.accept(socket, remote, ec);
    if (ec) {
      if (im.stopping) break;
      continue;  // e.g. ECONNABORTED, EMFILE: keep serving
    }
    {
      MutexLock lock(&im.mu);
      if (im.active >= im.options.max_connections) {
        const std::string busy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        net::write(socket, net::buffer(busy), ec);
        continue;
      }
      ++im.active;
    }
    const int fd = socket.release(ec);
    if (ec) {
      MutexLock lock(&im.mu);
      --im.active;
      continue;
    }
    std::thread([&im, fd, remote] {
      im.Serve(fd, remote);
      MutexLock lock(&im.mu);
      --im.active;
      im.cv.SignalAll();
    }).detach();
  }
  // Wake every connection blocked on its socket and wait for the threads to finish.
  MutexLock lock(&im.mu);
  for (int fd : im.fds) ::shutdown(fd, SHUT_RDWR);
  while (im.active != 0) im.cv.Wait(&im.mu);
}

void HttpServer::Stop() {
  Impl& im = *impl_;
  if (im.stopping.exchange(true)) return;
  if (im.acceptor.is_open()) ::shutdown(im.acceptor.native_handle(), SHUT_RDWR);
  MutexLock lock(&im.mu);
  for (int fd : im.fds) ::shutdown(fd, SHUT_RDWR);
}

Response HttpServer::Impl::ReadErrorResponse(beast::error_code read_ec, size_t body_limit) const {
  int status = 400;
  std::string message = "malformed HTTP request: " + read_ec.message();
  if (read_ec == http::error::header_limit) {
    status = 431;
    message = "request line and header fields larger than the limit of " +
              std::to_string(kHeaderLimit) + " bytes";
  } else if (read_ec == http::error::body_limit) {
    status = 413;
    message = "request body larger than the limit of " + std::to_string(body_limit) +
              (body_limit == options.body_limit         ? " bytes (the server's --body-limit)"
               : body_limit == options.image_body_limit ? " bytes (the server's --image-body-limit)"
                                                        : " bytes (of this upload route)");
  }
  return ErrorResponse(status, message);
}

void HttpServer::Impl::Serve(int fd, tcp::endpoint remote) {
  net::io_context cioc;
  beast::tcp_stream stream(cioc);
  beast::error_code ec;
  stream.socket().assign(remote.protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  {
    MutexLock lock(&mu);
    fds.insert(fd);
    if (stopping) ::shutdown(fd, SHUT_RDWR);
  }
  const std::string remote_text =
      remote.address().to_string() + ":" + std::to_string(remote.port());
  beast::flat_buffer buffer;
  bool upgraded = false;
  while (!stopping) {
    http::request_parser<http::string_body> parser;
    // The header first: the route it names decides how large the body may be. The parser
    // compares Content-Length with its limit when the header ends, so it starts at the wider one.
    LimitRequestParser(parser,
                       std::max({options.body_limit, options.image_body_limit, kAudioBodyLimit}));
    beast::error_code read_ec;
    size_t body_limit = options.body_limit;
    stream.expires_after(std::chrono::seconds(options.idle_timeout_seconds));
    http::async_read_header(stream, buffer, parser,
                            [&](beast::error_code e, size_t) { read_ec = e; });
    RunOnce(cioc);
    if (!read_ec || read_ec == http::error::body_limit) {  // the request line was read
      body_limit = BodyLimitFor(parser.get().method_string(), parser.get().target(),
                                options.body_limit, options.image_body_limit);
    }
    if (!read_ec && !parser.is_done()) {
      const boost::optional<uint64_t> length = parser.content_length();
      if (length && *length > body_limit) {
        read_ec = http::error::body_limit;
      } else {
        parser.body_limit(body_limit);  // a chunked body is counted as it comes
        http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { read_ec = e; });
        RunOnce(cioc);
      }
    }
    stream.expires_never();
    if (read_ec) {
      const bool client_error =
          read_ec.category() == http::make_error_code(http::error::bad_target).category();
      if (read_ec == http::error::body_limit || read_ec == http::error::header_limit ||
          (client_error && read_ec != http::error::end_of_stream &&
           read_ec != http::error::partial_message)) {
        ConnectionWriter w(cioc, stream, 11, /*keep_alive=*/false);
        w.Send(ReadErrorResponse(read_ec, body_limit));
        DrainBeforeClose(cioc, stream);
      }
      break;
    }
    http::request<http::string_body>& req = parser.get();
    Request r = ToRequest(req, remote_text);
    ConnectionWriter writer(cioc, stream, req.version(), req.keep_alive());
    if (!SplitTarget(r)) {
      writer.Send(ErrorResponse(400, "malformed request target"));
      break;
    }
    if (websocket::is_upgrade(req)) {
      Response reject = ErrorResponse(404, "no WebSocket endpoint here");
      const bool ok = r.path == "/ws" && ws_factory && (!ws_accept || ws_accept(r, &reject));
      if (!ok) {
        writer.Send(reject);
        break;
      }
      upgraded = true;
      ServeWebSocket(cioc, stream, req, WsClient{std::string(r.header("origin"))});
      break;
    }
    handler(r, writer);
    if (!writer.started()) {
      writer.Send(ErrorResponse(500, "no response"));
    }
    if (!writer.reusable()) break;
  }
  {
    MutexLock lock(&mu);
    fds.erase(fd);
  }
  if (!upgraded) {
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
  }
}

void HttpServer::Impl::ServeWebSocket(net::io_context&, beast::tcp_stream& stream,
                                      http::request<http::string_body>& req, WsClient client) {
  beast::error_code ec;
  const tcp::endpoint remote = stream.socket().remote_endpoint(ec);
  const int fd = stream.socket().release(ec);
  if (ec) return;
  // The sender owns its own io_context and stream so it can outlive this thread's frame
  // (sessions may still hold it after the connection ends).
  auto sender = std::make_shared<BeastWsSender>();
  websocket::stream<tcp::socket>& ws = sender->ws();
  ws.next_layer().assign(remote.protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  ConfigureServerWebSocket(ws, options.ws_frame_limit);
  ws.accept(req, ec);
  if (ec) return;
  std::unique_ptr<WsConnection> conn = ws_factory(sender, std::move(client));
  {
    MutexLock lock(&mu);
    fds.insert(fd);
    if (stopping) ::shutdown(fd, SHUT_RDWR);
  }
  sender->StartReading(conn.get());
  sender->ioc().run();
  sender->MarkClosed();
  {
    MutexLock lock(&mu);
    fds.erase(fd);
  }
  conn.reset();
  ws.next_layer().close(ec);
  // run() may have been stopped with handlers still queued (a read ending while a write or
  // close was pending); each holds the sender, which owns the io_context that holds them, so
  // none would ever be freed. With the socket closed they complete at once: run them out.
  sender->ioc().restart();
  sender->ioc().poll();
}

}  // namespace inferno::server
