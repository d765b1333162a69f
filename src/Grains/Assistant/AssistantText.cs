using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;

namespace Spotter.Collab.Grains.Assistant;

/// <summary>
/// The assistant's view of text, with the search index's two analyzers: SmartCn words (Chinese words; English
/// lower-cased and Porter-stemmed) and CJK bigrams. A question's content words are its words minus question and
/// function words (<see cref="StopWords"/>, in English and Chinese); they decide whether a passage answers it.
/// Not thread-safe (analyzers reuse their token streams): one per grain activation.
/// </summary>
internal sealed class AssistantText : IDisposable
{
    public const LuceneVersion Version = LuceneVersion.LUCENE_48;

    /// <summary>Words that ask rather than say: they never make a passage an answer.</summary>
    private static readonly string[] StopWords =
    [
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing", "done",
        "how", "what", "when", "where", "which", "who", "whom", "whose", "why", "can", "could", "should", "would",
        "will", "shall", "may", "might", "must", "i", "me", "my", "mine", "we", "us", "our", "you", "your", "he",
        "she", "it", "its", "they", "them", "their", "to", "of", "in", "on", "for", "at", "by", "with", "from",
        "and", "or", "not", "no", "this", "that", "these", "those", "there", "here", "please", "tell", "about", "as",
        "if", "so", "than", "then", "any", "some", "get", "need", "want", "have", "has", "had", "into", "out", "up",
        "down", "over", "again", "also", "too", "very", "just", "much", "many", "more", "most", "s", "t", "else",
        "的", "了", "是", "吗", "呢", "吧", "啊", "呀", "么", "我", "我们", "你", "你们", "他", "她", "它", "他们",
        "怎么", "怎样", "怎么样", "如何", "什么", "啥", "哪", "哪里", "哪儿", "哪些", "哪个", "为什么", "多少", "几",
        "请问", "请", "可以", "能", "能否", "能不能", "是否", "需要", "要", "应该", "应当", "在", "和", "与", "及", "或",
        "或者", "有", "没有", "谁", "何时", "时候", "一个", "这个", "那个", "这", "那", "把", "被", "给", "对", "从",
        "到", "就", "都", "也", "还", "会", "该", "得", "地", "着", "过", "一下", "告诉", "知道", "多", "多长", "多久", "长",
        "多大", "多少钱", "几个", "几点", "几天",
    ];

    private readonly SmartChineseAnalyzer _words = new(Version);
    private readonly CJKAnalyzer _bigrams = new(Version);
    private readonly HashSet<string> _stop;

    public AssistantText()
    {
        // Stop words as the analyzer makes them (stemmed, split), so they compare with analysed question words.
        _stop = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in StopWords)
        {
            foreach (var token in Tokens(_words, word)) _stop.Add(token);
        }
    }

    public Analyzer WordAnalyzer => _words;

    public Analyzer BigramAnalyzer => _bigrams;

    /// <summary>The question's content words (SmartCn tokens that are not stop words), distinct, in order.</summary>
    public List<string> ContentWords(string text) =>
        Tokens(_words, text).Where(t => !_stop.Contains(t) && t.Any(char.IsLetterOrDigit)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>CJK bigrams of the text's content (stop words' characters included: a bigram spans two of them).</summary>
    public List<string> Bigrams(string text) =>
        Tokens(_bigrams, text).Where(t => t.Any(IsCjk) && !_stop.Contains(t)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Which of <paramref name="words"/> the text holds: as an analysed word, or (for Chinese words, which
    /// SmartCn may segment differently mid-sentence) as a substring.</summary>
    public int CountCovered(IReadOnlyList<string> words, string text)
    {
        if (words.Count == 0) return 0;
        var tokens = Tokens(_words, text).ToHashSet(StringComparer.Ordinal);
        var lower = text.ToLowerInvariant();
        var covered = 0;
        foreach (var word in words)
        {
            if (tokens.Contains(word) || (word.Any(IsCjk) && lower.Contains(word, StringComparison.Ordinal))) covered++;
        }
        return covered;
    }

    public static bool IsCjk(char c) => c is >= '\u3400' and <= '\u9FFF' or >= '\uF900' and <= '\uFAFF';

    public static bool HasCjk(string text) => text.Any(IsCjk);

    /// <summary>Sentences of a passage, in order: split at line ends and at sentence punctuation (Chinese full-width
    /// marks at once, ASCII ones before a space).</summary>
    public static List<string> Sentences(string text)
    {
        var sentences = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                Flush();
                continue;
            }
            current.Append(c);
            if (c is '。' or '！' or '？' or '；' || (c is '.' or '!' or '?' && (i + 1 == text.Length || char.IsWhiteSpace(text[i + 1])))) Flush();
        }
        Flush();
        return sentences;

        void Flush()
        {
            var sentence = current.ToString().Trim();
            if (sentence.Length > 0) sentences.Add(sentence);
            current.Clear();
        }
    }

    /// <summary>A short, stable identifier of a section's text.</summary>
    public static string Hash(IReadOnlyList<string> headings, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Join("\u001f", headings) + "\u001e" + text);
        return Convert.ToHexString(SHA256.HashData(bytes), 0, 8).ToLower(CultureInfo.InvariantCulture);
    }

    private static List<string> Tokens(Analyzer analyzer, string text)
    {
        var tokens = new List<string>();
        using var stream = analyzer.GetTokenStream("body", text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken()) tokens.Add(term.ToString());
        stream.End();
        return tokens;
    }

    public void Dispose()
    {
        _words.Dispose();
        _bigrams.Dispose();
    }
}
