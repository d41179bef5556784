package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Ids are stable across releases: a correction must carry the id of the example it replaces, so these golden
 * values were computed outside Java (MD5 of the parts joined by NUL, version 3 and IETF variant bits set, as
 * Python's {@code hashlib} and {@code uuid.UUID(bytes=...)} compute them) and must never change.
 */
class IdsTest {

    @Test
    void ktoExampleIdIsTheGoldenNameBasedUuidOfResponseAndUser() {
        assertThat(Ids.ktoExample("r-1", "u-1")).isEqualTo("kto-ef92a1a5-aac1-32d2-9337-ccd25bcdd782");
    }

    @Test
    void ktoExampleIdsOfNonAsciiAndEmptyIdsMatchTheGoldenValues() {
        // Python: uuid.UUID(bytes=md5("kto\0" + response + "\0" + user), version and variant bits set)
        assertThat(Ids.ktoExample("résumé-7", "ユーザー")).isEqualTo("kto-931b731e-c1de-364d-9b92-62d6fa758305");
        assertThat(Ids.ktoExample("", "")).isEqualTo("kto-e395ee1a-1fbb-3781-a9c2-2168b189d1d0");
        // Twice in a row on one thread: the digest is reused, so a leftover from the last id would show here.
        assertThat(Ids.ktoExample("r-1", "u-1")).isEqualTo("kto-ef92a1a5-aac1-32d2-9337-ccd25bcdd782");
    }

    @Test
    void ktoExampleIdsOfLongIdsAndOfTextAfterAsciiOrAroundAnEmojiMatchTheGoldenValues() {
        // Python, as above; the response id is longer than the name buffer a thread starts with
        assertThat(Ids.ktoExample("r-" + "x".repeat(300), "user-é-ユ"))
                .isEqualTo("kto-1f2baa17-e2ae-395c-be0e-7405f76dbe82");
        assertThat(Ids.ktoExample("a😀b", "z")).isEqualTo("kto-67318ade-7c74-3a42-8aff-6f639571e223");
        assertThat(Ids.ktoExample("r-1", "u-1")).isEqualTo("kto-ef92a1a5-aac1-32d2-9337-ccd25bcdd782");
    }

    @Test
    void dpoPairIdNamesItsSourceAndIsTheGoldenUuidOfItsParts() {
        assertThat(Ids.dpoPair("EXPLICIT", "p", "a", "b"))
                .isEqualTo("dpo-explicit-4249f562-fa9c-35fc-9d43-9146bac6df28");
    }

    @Test
    void uuidOfEmptyAndNonAsciiPartsMatchesTheGoldenValues() {
        assertThat(Ids.uuid("")).isEqualTo("d41d8cd9-8f00-3204-a980-0998ecf8427e");
        assertThat(Ids.uuid("kto", "résumé ✓", "user")).isEqualTo("c45a81e0-e9ff-33d4-b195-5b12eff39eaa");
    }
}
