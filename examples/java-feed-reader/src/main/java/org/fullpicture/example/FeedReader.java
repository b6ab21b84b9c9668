package org.fullpicture.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads an agency's FullPicture feed and prints one JSON line per event.
 *
 * <p>Usage: {@code FeedReader CREDENTIALS.json SCHEMAS_DIR [IDLE_SECONDS]}. The credentials file
 * is the one {@code fullpicture agency register … --credentials-out FILE} wrote; SCHEMAS_DIR is
 * what {@code fullpicture schemas export DIR} wrote. Each message is Avro single-object encoded:
 * its header names the writer schema by fingerprint, so each exported schema gets its own
 * decoder. The reader stops after IDLE_SECONDS (default 10) with nothing new.
 */
public final class FeedReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: FeedReader CREDENTIALS.json SCHEMAS_DIR [IDLE_SECONDS]");
      System.exit(2);
    }
    JsonNode credentials = JSON.readTree(new File(args[0]));
    Map<String, BinaryMessageDecoder<GenericRecord>> decoders = decoders(Path.of(args[1]));
    Duration idle = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 10);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties(credentials))) {
      consumer.subscribe(List.of(credentials.get("topic").asText()));
      while (true) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(idle);
        if (batch.isEmpty()) {
          return;
        }
        for (ConsumerRecord<byte[], byte[]> message : batch) {
          System.out.println(asJson(decoders, message.value()));
        }
      }
    }
  }

  /** The consumer's settings: the agency's broker, its SCRAM login and a group of its own. */
  static Properties properties(JsonNode credentials) {
    String username = credentials.get("username").asText();
    String password = credentials.get("password").asText();
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, credentials.get("bootstrap").asText());
    properties.put("security.protocol", credentials.get("security_protocol").asText());
    properties.put("sasl.mechanism", credentials.get("mechanism").asText());
    properties.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + username + "\" password=\"" + password + "\";");
    // The agency may only use consumer groups whose names start with its group prefix.
    String group = credentials.get("group_prefix").asText() + "java-reader-" + UUID.randomUUID();
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // FullPicture writes in Kafka transactions: read only what was committed.
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return properties;
  }

  /**
   * One decoder per exported schema, keyed by the fingerprint as it appears in a message header
   * (hex of the little-endian CRC-64-AVRO fingerprint). Avro computes the fingerprint itself; it
   * must agree with the key in fingerprints.json, or the schema is not the one FullPicture wrote.
   */
  static Map<String, BinaryMessageDecoder<GenericRecord>> decoders(Path directory)
      throws IOException {
    JsonNode fingerprints = JSON.readTree(directory.resolve("fingerprints.json").toFile());
    Map<String, BinaryMessageDecoder<GenericRecord>> decoders = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> entries = fingerprints.fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> entry = entries.next();
      String file = entry.getValue().get("file").asText();
      Schema schema = new Schema.Parser().parse(Files.readString(directory.resolve(file)));
      String computed = headerHex(SchemaNormalization.parsingFingerprint64(schema));
      if (!computed.equals(entry.getKey())) {
        throw new IllegalStateException(
            file + ": Avro's fingerprint " + computed + " is not " + entry.getKey());
      }
      decoders.put(entry.getKey(), new BinaryMessageDecoder<>(GenericData.get(), schema));
    }
    return decoders;
  }

  static String headerHex(long fingerprint) {
    byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fingerprint).array();
    return HexFormat.of().formatHex(bytes);
  }

  /** {"schema": full name, "record": the decoded event}; an unknown fingerprint is an error. */
  static String asJson(Map<String, BinaryMessageDecoder<GenericRecord>> decoders, byte[] message)
      throws IOException {
    String fingerprint = HexFormat.of().formatHex(message, 2, 10);
    BinaryMessageDecoder<GenericRecord> decoder = decoders.get(fingerprint);
    if (decoder == null) {
      throw new IOException("no exported schema has fingerprint " + fingerprint);
    }
    GenericRecord record = decoder.decode(message);
    return "{\"schema\": \"" + record.getSchema().getFullName() + "\", \"record\": "
        + GenericData.get().toString(record) + "}";
  }
}
