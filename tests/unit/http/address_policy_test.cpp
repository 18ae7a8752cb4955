// The outbound address policy: every class of address, CIDR parsing and
// allowing, IPv6, IPv4-mapped addresses judged as IPv4.

#include "http/address_policy.hpp"

#include <gtest/gtest.h>

using namespace weshopd::http;
namespace ip = boost::asio::ip;

namespace {

address_class class_of(const char* text)
{
  return classify(ip::make_address(text));
}

} // namespace

TEST(AddressPolicy, ClassifiesEveryKindOfAddress)
{
  EXPECT_EQ(class_of("93.184.216.34"), address_class::global);
  EXPECT_EQ(class_of("8.8.8.8"), address_class::global);
  EXPECT_EQ(class_of("2606:4700::1111"), address_class::global);
  EXPECT_EQ(class_of("127.0.0.1"), address_class::loopback);
  EXPECT_EQ(class_of("127.255.0.9"), address_class::loopback);
  EXPECT_EQ(class_of("::1"), address_class::loopback);
  EXPECT_EQ(class_of("169.254.169.254"), address_class::link_local);
  EXPECT_EQ(class_of("fe80::1"), address_class::link_local);
  EXPECT_EQ(class_of("10.0.0.1"), address_class::private_use);
  EXPECT_EQ(class_of("172.16.0.1"), address_class::private_use);
  EXPECT_EQ(class_of("172.31.255.255"), address_class::private_use);
  EXPECT_EQ(class_of("172.32.0.1"), address_class::global);
  EXPECT_EQ(class_of("192.168.1.1"), address_class::private_use);
  EXPECT_EQ(class_of("100.64.0.1"), address_class::shared);
  EXPECT_EQ(class_of("100.128.0.1"), address_class::global);
  EXPECT_EQ(class_of("fc00::1"), address_class::unique_local);
  EXPECT_EQ(class_of("fd12:3456::1"), address_class::unique_local);
  EXPECT_EQ(class_of("224.0.0.1"), address_class::multicast);
  EXPECT_EQ(class_of("ff02::1"), address_class::multicast);
  EXPECT_EQ(class_of("255.255.255.255"), address_class::broadcast);
  EXPECT_EQ(class_of("0.0.0.0"), address_class::unspecified);
  EXPECT_EQ(class_of("0.1.2.3"), address_class::unspecified);
  EXPECT_EQ(class_of("::"), address_class::unspecified);
  EXPECT_EQ(class_of("240.0.0.1"), address_class::reserved);
  EXPECT_EQ(class_of("::127.0.0.1"), address_class::reserved); // IPv4-compatible
}

TEST(AddressPolicy, AddressesThatCarryIPv4AreJudgedByIt)
{
  EXPECT_EQ(class_of("::ffff:127.0.0.1"), address_class::loopback);
  EXPECT_EQ(class_of("::ffff:169.254.169.254"), address_class::link_local);
  EXPECT_EQ(class_of("::ffff:10.1.2.3"), address_class::private_use);
  EXPECT_EQ(class_of("::ffff:8.8.8.8"), address_class::global);
  EXPECT_EQ(class_of("64:ff9b::7f00:1"), address_class::loopback);  // NAT64 of 127.0.0.1
  EXPECT_EQ(class_of("2002:a00:1::1"), address_class::private_use); // 6to4 of 10.0.0.1
  EXPECT_EQ(unmapped(ip::make_address("::ffff:10.0.0.1")), ip::make_address("10.0.0.1"));
  EXPECT_EQ(unmapped(ip::make_address("::1")), ip::make_address("::1"));
}

TEST(AddressPolicy, ParsesNetworks)
{
  const auto v4 = parse_network("10.0.0.0/8");
  ASSERT_TRUE(v4.network) << v4.problem;
  EXPECT_EQ(v4.network->to_string(), "10.0.0.0/8");
  EXPECT_TRUE(v4.network->contains(ip::make_address("10.200.1.1")));
  EXPECT_FALSE(v4.network->contains(ip::make_address("11.0.0.1")));
  EXPECT_TRUE(v4.network->contains(ip::make_address("::ffff:10.9.9.9")));
  EXPECT_FALSE(v4.network->contains(ip::make_address("::1")));

  const auto odd = parse_network("172.16.0.0/12");
  ASSERT_TRUE(odd.network);
  EXPECT_TRUE(odd.network->contains(ip::make_address("172.31.0.1")));
  EXPECT_FALSE(odd.network->contains(ip::make_address("172.32.0.1")));

  const auto host = parse_network("127.0.0.1"); // a bare address: one host
  ASSERT_TRUE(host.network);
  EXPECT_EQ(host.network->prefix, 32u);

  const auto v6 = parse_network("fd00:1234::/32");
  ASSERT_TRUE(v6.network) << v6.problem;
  EXPECT_TRUE(v6.network->contains(ip::make_address("fd00:1234:5::1")));
  EXPECT_FALSE(v6.network->contains(ip::make_address("fd00:1235::1")));
  EXPECT_FALSE(v6.network->contains(ip::make_address("10.0.0.1")));

  const auto mapped = parse_network("::ffff:127.0.0.0/104"); // = 127.0.0.0/8
  ASSERT_TRUE(mapped.network) << mapped.problem;
  EXPECT_EQ(mapped.network->to_string(), "127.0.0.0/8");
  EXPECT_TRUE(mapped.network->contains(ip::make_address("127.1.2.3")));

  EXPECT_TRUE(parse_network("0.0.0.0/0").network);
  EXPECT_TRUE(parse_network("::/0").network);
}

TEST(AddressPolicy, RefusesBadNetworksSayingWhy)
{
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/x", "10.0.0.0/8/8", "example.com/32",
                          "10.0.0/8", "fe80::1%1/128", "10.0.0.0/-1", "10.0.0.0/ 8"}) {
    const auto p = parse_network(bad);
    EXPECT_FALSE(p.network) << bad;
    EXPECT_NE(p.problem.find(bad), std::string::npos) << p.problem;
  }
  const auto host_bits = parse_network("10.1.2.3/8");
  EXPECT_FALSE(host_bits.network);
  EXPECT_NE(host_bits.problem.find("10.0.0.0/8"), std::string::npos) << host_bits.problem;
  EXPECT_FALSE(parse_network("fd00::1/8").network);
  EXPECT_THROW(address_policy::from_strings({"127.0.0.1/32", "nope"}), std::invalid_argument);
}

TEST(AddressPolicy, RefusesWhatIsNotPublicUnlessAllowed)
{
  const address_policy none;
  for (const char* refused : {"127.0.0.1", "::1", "169.254.169.254", "10.0.0.1", "192.168.0.1", "172.20.0.1", "100.64.1.1",
                              "fd00::1", "fe80::1", "224.0.0.251", "ff02::1", "0.0.0.0", "::", "255.255.255.255",
                              "::ffff:127.0.0.1", "::ffff:169.254.169.254", "240.1.1.1"})
    EXPECT_FALSE(none.allows(ip::make_address(refused))) << refused;
  for (const char* allowed : {"93.184.216.34", "2606:4700::1111", "::ffff:93.184.216.34"})
    EXPECT_TRUE(none.allows(ip::make_address(allowed))) << allowed;

  const auto some = address_policy::from_strings({"127.0.0.1/32", "::1/128", "10.1.0.0/16"});
  EXPECT_TRUE(some.allows(ip::make_address("127.0.0.1")));
  EXPECT_TRUE(some.allows(ip::make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(some.allows(ip::make_address("127.0.0.2")));
  EXPECT_TRUE(some.allows(ip::make_address("::1")));
  EXPECT_TRUE(some.allows(ip::make_address("10.1.200.3")));
  EXPECT_FALSE(some.allows(ip::make_address("10.2.0.1")));
  EXPECT_FALSE(some.allows(ip::make_address("169.254.169.254")));
  EXPECT_TRUE(some.allows(ip::make_address("8.8.8.8")));
  EXPECT_EQ(some.allowed().size(), 3u);
}

TEST(AddressPolicy, AReloadReachesEveryCopy)
{
  const auto policy = address_policy::from_strings({"127.0.0.1/32"});
  const auto held_by_a_client = policy; // as the notifier's and the mirror's clients hold it
  EXPECT_TRUE(held_by_a_client.allows(ip::make_address("127.0.0.1")));
  policy.reallow({*parse_network("10.0.0.0/8").network});
  EXPECT_FALSE(held_by_a_client.allows(ip::make_address("127.0.0.1")));
  EXPECT_TRUE(held_by_a_client.allows(ip::make_address("10.9.8.7")));
  const address_policy other; // another policy is not affected
  EXPECT_FALSE(other.allows(ip::make_address("10.9.8.7")));
}
