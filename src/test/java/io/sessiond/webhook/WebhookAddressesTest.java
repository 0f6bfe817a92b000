package io.sessiond.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which addresses and hosts a webhook may reach, as a table: IPv4, IPv6, IPv6 carrying IPv4, odd numeric forms. */
class WebhookAddressesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "127.0.0.1, loopback",
      "127.255.0.9, loopback",
      "0.0.0.0, unspecified",
      "10.1.2.3, private",
      "172.16.0.1, private",
      "172.31.255.255, private",
      "192.168.1.1, private",
      "100.64.0.1, carrier-grade",
      "169.254.169.254, metadata",
      "169.254.1.1, link-local",
      "192.0.0.8, reserved",
      "198.18.0.1, benchmarking",
      "224.0.0.1, multicast",
      "255.255.255.255, broadcast",
      "::1, loopback",
      "::, unspecified",
      "fd00::1, unique-local",
      "fc00::1, unique-local",
      "fe80::1, link-local",
      "ff02::1, multicast",
      "::ffff:127.0.0.1, loopback",
      "::ffff:169.254.169.254, metadata",
      "::ffff:10.0.0.1, private",
      "::127.0.0.1, loopback",
      "64:ff9b::a9fe:a9fe, metadata",
      "2001:db8::1, documentation",
      "8.8.8.8, ",
      "93.184.216.34, ",
      "172.32.0.1, ",
      "100.128.0.1, ",
      "2606:4700:4700::1111, ",
      "::ffff:8.8.8.8, ",
  })
  void addresses(String address, String refusedAs) throws Exception {
    String why = WebhookAddresses.refused(InetAddress.getByName(address));
    if (refusedAs == null) {
      assertNull(why, address);
    } else {
      assertNotNull(why, address + " must be refused");
      assertTrue(why.contains(refusedAs), why);
    }
  }

  @ParameterizedTest(name = "{0} refused: {1}")
  @CsvSource({
      "2130706433, true",
      "0177.0.0.1, true",
      "0x7f.0.0.1, true",
      "0x7f000001, true",
      "127.1, true",
      "017700000001, true",
      "127.0.0.01, true",
      "127.0.0.1, false",
      "8.8.8.8, false",
      "example.com, false",
      "cafe.be, false",
      "deadbeef, false",
      "::1, false",
  })
  void numericHosts_notWrittenAsFourDecimalBytes_areRefusedBeforeAnyLookup(String host, boolean refused) {
    assertEquals(refused, WebhookAddresses.refusedHost(host) != null, host);
  }
}
