// A buffer that ends right before an unreadable page (lesson 04). See guarded_buffer.hpp.
#include "tests/support/guarded_buffer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace duplex::testing {

GuardedBuffer::GuardedBuffer(std::string_view contents) : size_(contents.size()) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t data_pages = (contents.size() + page - 1) / page;
  mapping_size_ = (data_pages + 1) * page;
  void* mapping =
      mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) throw std::runtime_error("mmap failed");
  mapping_ = static_cast<char*>(mapping);
  char* guard = mapping_ + data_pages * page;
  if (mprotect(guard, page, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
  data_ = guard - contents.size();
  if (!contents.empty()) std::memcpy(data_, contents.data(), contents.size());
}

GuardedBuffer::~GuardedBuffer() {
  munmap(mapping_, mapping_size_);
}

}  // namespace duplex::testing
