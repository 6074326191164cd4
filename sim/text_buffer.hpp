#pragma once
// TextBuffer: a growable run of bytes that text is written into in place: room(n) hands out a
// pointer with at least n bytes behind it, the writer fills some of them and commit()s where it
// stopped. A record writer asks for room once per piece (a field name with its comma and quotes,
// a number) and copies with lengths known at compile time, where std::string's append checks
// capacity and calls out of line for each piece; the simulator's records append a few dozen
// pieces per traveller, millions a run (sim/json_writer.hpp, sim/records.hpp).
//
// Thread safety: none; one writer per buffer.

#include <cassert>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace gatesim::sim {

class TextBuffer {
 public:
  // ensures: empty, with some room (never a null pointer to write at).
  TextBuffer() : data_(std::make_unique_for_overwrite<char[]>(kInitialCapacity)), capacity_(kInitialCapacity) {}
  TextBuffer(const TextBuffer&) = delete;
  TextBuffer& operator=(const TextBuffer&) = delete;

  // ensures: at least `n` writable bytes at the returned pointer (the end of the text), up to
  //          limit(); the text so far is unchanged. Both are valid until the next room() or
  //          append().
  char* room(std::size_t n) {
    if (capacity_ - size_ < n) [[unlikely]] grow(n);
    return data_.get() + size_;
  }
  // ensures: the end of the room the last room() handed out.
  char* limit() const { return data_.get() + capacity_; }
  // requires: `end` within the last room() handed out, at or after its start.
  // ensures: the text ends at `end`.
  void commit(const char* end) {
    assert(end >= data_.get() + size_ && end <= data_.get() + capacity_);
    size_ = static_cast<std::size_t>(end - data_.get());
  }

  void append(std::string_view text) {
    char* at = room(text.size());
    if (!text.empty()) std::memcpy(at, text.data(), text.size());
    size_ += text.size();
  }
  void append(char c) {
    *room(1) = c;
    ++size_;
  }

  std::string_view view() const { return {data_.get(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // ensures: empty; the capacity is kept (no allocation once warm).
  void clear() { size_ = 0; }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    std::size_t capacity = capacity_ * 2;
    while (capacity - size_ < n) capacity *= 2;
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  static constexpr std::size_t kInitialCapacity = 256;

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace gatesim::sim
