// Move-only owners of libcurl's C handles, so that no early return leaks one.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace ghtraffic::net {

namespace detail {
struct CurlEasyFree {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
struct CurlListFree {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
struct CurlShareFree {
  void operator()(CURLSH* share) const noexcept { curl_share_cleanup(share); }
};
}  // namespace detail

class CurlEasy {
 public:
  CurlEasy() : m_handle(curl_easy_init()) {}
  CURL* get() const { return m_handle.get(); }
  explicit operator bool() const { return m_handle != nullptr; }

 private:
  std::unique_ptr<CURL, detail::CurlEasyFree> m_handle;
};

class CurlList {
 public:
  CurlList() = default;
  // Returns false when libcurl could not allocate; the list is then unchanged.
  bool append(const std::string& line) {
    curl_slist* head = curl_slist_append(m_list.get(), line.c_str());
    if (head == nullptr) {
      return false;
    }
    static_cast<void>(m_list.release());
    m_list.reset(head);
    return true;
  }
  curl_slist* get() const { return m_list.get(); }

 private:
  std::unique_ptr<curl_slist, detail::CurlListFree> m_list;
};

class CurlShare {
 public:
  CurlShare() : m_share(curl_share_init()) {}
  CURLSH* get() const { return m_share.get(); }
  explicit operator bool() const { return m_share != nullptr; }

 private:
  std::unique_ptr<CURLSH, detail::CurlShareFree> m_share;
};

}  // namespace ghtraffic::net
