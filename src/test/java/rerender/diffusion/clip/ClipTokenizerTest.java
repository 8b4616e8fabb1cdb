// Checks the CLIP tokenizer against ids produced by the original OpenAI tokenizer (fixtures/clip-tokenizer.json).
package rerender.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import rerender.testutil.Shared;

class ClipTokenizerTest {
    static ClipTokenizer tok;

    @BeforeAll
    static void load() {
        tok = ClipTokenizer.load();
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Test
    void matchesTheOriginalTokenizerOnEveryFixtureCase() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Shared.fixtures().resolve("clip-tokenizer.json").toFile()).get("cases");
        assertTrue(cases.size() >= 10);
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] bpe = ints(c.get("bpe_ids"));
            assertArrayEquals(bpe, tok.bpe(text), text);
            ClipTokenizer.Result r = tok.tokenize(text);
            assertArrayEquals(ints(c.get("padded_77")), r.ids(), text);
            assertEquals(bpe.length > 75, r.truncated(), text);
            assertEquals(bpe.length, r.tokenCount());
        }
    }

    @Test
    void layoutOfTheIds() {
        int[] ids = tok.encode("a cartoon tiger");
        assertEquals(ClipTokenizer.CONTEXT, ids.length);
        assertEquals(ClipTokenizer.START, ids[0]);
        assertEquals(ClipTokenizer.END, ids[4]);
        assertEquals(ClipTokenizer.END, ids[76]);
        assertFalse(tok.tokenize("a cartoon tiger").truncated());
        int[] empty = tok.encode("");
        assertEquals(ClipTokenizer.START, empty[0]);
        assertEquals(ClipTokenizer.END, empty[1]);
        // 'a' is a single byte character: id = its position among the 188 directly mapped bytes ('!' = 0 ... 'a' = 64) + 256 for "</w>"
        assertEquals(64 + 256, tok.bpe("a")[0]);
        assertArrayEquals(tok.bpe("fish &amp; chips"), tok.bpe("fish & chips"));
        assertArrayEquals(tok.bpe("Tiger"), tok.bpe("tiger"));
    }

    @Test
    void byteMapIsABijectionOntoPrintableCharacters() {
        char[] m = ClipTokenizer.bytesToUnicode();
        assertEquals('!', m['!']);
        assertEquals((char) 256, m[0]);
        assertEquals((char) (256 + 32), m[' ']);
        assertEquals(256, new String(m).chars().distinct().count());
    }
}
