// CLIP's byte-level BPE tokenizer, as OpenAI CLIP's simple_tokenizer.py (without the ftfy fix-up), for SD 1.x prompts.
package rerender.diffusion.clip;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Text -> 77 token ids for the SD 1.x text encoder: {@code [49406, tokens..., 49407, 49407 padding...]}.
 * Steps (CLIP simple_tokenizer): HTML-unescape, collapse whitespace, lower-case; split with the CLIP regex;
 * map each piece's UTF-8 bytes to printable characters (bytes_to_unicode); apply BPE merges by rank, the last
 * symbol carrying the end-of-word marker {@code </w>}; look the symbols up in the vocabulary
 * (256 byte characters, the same with {@code </w>}, the 48894 merges, then the two special tokens = 49408).
 * Immutable and thread-safe.
 */
public final class ClipTokenizer {
    public static final int START = 49406;
    public static final int END = 49407;
    /** Sequence length of the SD 1.x text encoder, start and end tokens included. */
    public static final int CONTEXT = 77;
    public static final String RESOURCE = "/rerender/diffusion/clip/bpe_simple_vocab_16e6.txt.gz";
    private static final int MERGES = 49152 - 256 - 2;

    private static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /** Token ids and whether the prompt had to be cut to fit 75 tokens. */
    public record Result(int[] ids, boolean truncated, int tokenCount) {
    }

    private final char[] byteToChar = bytesToUnicode();
    private final Map<String, Integer> encoder;
    private final Map<String, Integer> mergeRank;
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]+|#[xX][0-9a-fA-F]+|amp|lt|gt|quot|apos|nbsp);");
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(List<String[]> merges) {
        encoder = new HashMap<>(2 * 49408);
        List<String> vocab = new ArrayList<>(49408);
        char[] order = vocabularyOrder(byteToChar);
        for (char c : order) {
            vocab.add(String.valueOf(c));
        }
        for (char c : order) {
            vocab.add(c + "</w>");
        }
        mergeRank = new HashMap<>(2 * merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String[] m = merges.get(i);
            vocab.add(m[0] + m[1]);
            mergeRank.put(m[0] + " " + m[1], i);
        }
        vocab.add("<|startoftext|>");
        vocab.add("<|endoftext|>");
        for (int i = 0; i < vocab.size(); i++) {
            encoder.put(vocab.get(i), i);
        }
        if (encoder.get("<|startoftext|>") != START || encoder.get("<|endoftext|>") != END) {
            throw new IllegalStateException("CLIP vocabulary has " + vocab.size() + " entries, expected 49408");
        }
    }

    /** The tokenizer with the vocabulary shipped as a resource (MIT licence: LICENSE-CLIP.txt beside it). */
    public static ClipTokenizer load() {
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " missing from the class path");
            }
            return fromVocab(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Reads a gzipped bpe_simple_vocab file: line 0 is a header, lines 1..48894 are the merges "a b" by rank. */
    public static ClipTokenizer fromVocab(InputStream gz) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(gz), StandardCharsets.UTF_8));
        r.readLine();
        List<String[]> merges = new ArrayList<>(MERGES);
        for (int i = 0; i < MERGES; i++) {
            String line = r.readLine();
            if (line == null) {
                throw new IOException("BPE vocabulary ends after " + i + " merges, expected " + MERGES);
            }
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 2) {
                throw new IOException("bad BPE merge line " + (i + 1) + ": '" + line + "'");
            }
            merges.add(parts);
        }
        return new ClipTokenizer(merges);
    }

    /** 77 ids: start, up to 75 tokens, end, end-padding. Use {@link #tokenize} to learn whether it was truncated. */
    public int[] encode(String prompt) {
        return tokenize(prompt).ids();
    }

    /** Like {@link #encode}, also saying whether tokens beyond the 75th were dropped (callers should warn). */
    public Result tokenize(String prompt) {
        int[] bpe = bpe(prompt);
        int keep = Math.min(bpe.length, CONTEXT - 2);
        int[] ids = new int[CONTEXT];
        Arrays.fill(ids, END);
        ids[0] = START;
        System.arraycopy(bpe, 0, ids, 1, keep);
        return new Result(ids, bpe.length > keep, bpe.length);
    }

    /** The BPE token ids of {@code text}, without start/end tokens or padding. */
    public int[] bpe(String text) {
        String clean = WHITESPACE.matcher(unescapeHtml(unescapeHtml(text)).strip()).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
        List<Integer> out = new ArrayList<>();
        Matcher m = SPLIT.matcher(clean);
        while (m.find()) {
            byte[] utf8 = m.group().getBytes(StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder(utf8.length);
            for (byte b : utf8) {
                sb.append(byteToChar[b & 0xff]);
            }
            for (int id : cache.computeIfAbsent(sb.toString(), this::bpeWord)) {
                out.add(id);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Merges the symbols of one word by rank, lowest first, until no ranked pair is left. */
    private int[] bpeWord(String token) {
        if (token.equals("<|startoftext|>") || token.equals("<|endoftext|>")) {
            return new int[] {encoder.get(token)};
        }
        List<String> word = new ArrayList<>(token.length());
        token.codePoints().forEach(cp -> word.add(Character.toString(cp)));
        word.set(word.size() - 1, word.get(word.size() - 1) + "</w>");
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer rank = mergeRank.get(word.get(i) + " " + word.get(i + 1));
                if (rank != null && rank < best) {
                    best = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            // merge every non-overlapping occurrence of (first, second), left to right
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word.clear();
            word.addAll(merged);
        }
        int[] ids = new int[word.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = encoder.get(word.get(i));
            if (id == null) {
                throw new IllegalStateException("BPE symbol '" + word.get(i) + "' not in the CLIP vocabulary");
            }
            ids[i] = id;
        }
        return ids;
    }

    /**
     * GPT-2/CLIP bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onward
     * in byte order, so every byte is a visible character and BPE never sees whitespace or control bytes.
     */
    static char[] bytesToUnicode() {
        char[] map = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = direct[b] ? (char) b : (char) (256 + n++);
        }
        return map;
    }

    /** The byte characters in CLIP's vocabulary order: the directly mapped bytes first, then U+0100 onward. */
    static char[] vocabularyOrder(char[] byteToChar) {
        char[] ordered = byteToChar.clone();
        Arrays.sort(ordered); // direct bytes keep their code (< 256), remapped ones are 256+n in byte order
        return ordered;
    }

    /** The common HTML entities (html.unescape's full table is not needed for prompts). */
    static String unescapeHtml(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = ENTITY.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String e = m.group(1);
            String rep = switch (e) {
                case "amp" -> "&";
                case "lt" -> "<";
                case "gt" -> ">";
                case "quot" -> "\"";
                case "apos" -> "'";
                case "nbsp" -> "\u00a0";
                default -> {
                    int cp = e.charAt(1) == 'x' || e.charAt(1) == 'X' ? Integer.parseInt(e.substring(2), 16) : Integer.parseInt(e.substring(1));
                    yield Character.isValidCodePoint(cp) ? Character.toString(cp) : m.group();
                }
            };
            m.appendReplacement(sb, Matcher.quoteReplacement(rep));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
