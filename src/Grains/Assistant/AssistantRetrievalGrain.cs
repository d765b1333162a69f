using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Orleans.Concurrency;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Content;

namespace Spotter.Collab.Grains.Assistant;

/// <summary>
/// Retrieval in two steps. The search index names candidate pages (any of the question's words, page-level); the
/// candidates are trimmed to what the principal may read now (the silo's access copy, the same decision search
/// uses), outside the wanted spaces and in the trash are dropped, and the best <see cref="MaxPages"/> are read at
/// their current version from their live documents. Their sections (split at headings, each with its heading path)
/// are ranked with BM25 in a throw-away index built with the same analyzers; a section answers when it holds more
/// than half of the question's content words. Nothing is kept between calls.
/// </summary>
[StatelessWorker]
public sealed class AssistantRetrievalGrain(IGrainFactory grains) : Grain, IAssistantRetrievalGrain, IDisposable
{
    /// <summary>Candidate windows, widened while fewer than <see cref="MaxPages"/> readable pages are found: a reader
    /// of a small share of the wiki would otherwise find the best-matching pages all unreadable and get no answer.</summary>
    private static readonly int[] CandidateWindows = [60, 500, 2000];
    private const int MaxPages = 12;
    private const int MaxPassages = 4;
    /// <summary>Sections ranked and checked for an answer; lower ones would not be cited over these.</summary>
    private const int MaxRanked = 16;
    private const int MaxCited = 2;
    private const int MaxClosest = 5;
    /// <summary>A second section is cited only when it scores at least this share of the best one.</summary>
    private const float SecondCitationShare = 0.6f;
    /// <summary>A passage shorter than this is the answer whole; a longer one gives its best sentences.</summary>
    private const int WholePassageLength = 280;
    private const int MaxAnswerPart = 240;

    private const string TitleField = "title";
    private const string BodyField = "body";
    private const string TitleBigramField = "title_cjk";
    private const string BodyBigramField = "body_cjk";
    private const string OrdinalField = "n";

    private readonly AssistantText _text = new();
    private PerFieldAnalyzerWrapper? _analyzer;

    private PerFieldAnalyzerWrapper Analyzer => _analyzer ??= new PerFieldAnalyzerWrapper(_text.WordAnalyzer, new Dictionary<string, Analyzer>
    {
        [TitleBigramField] = _text.BigramAnalyzer,
        [BodyBigramField] = _text.BigramAnalyzer,
    });

    public async Task<AssistantRetrieval> Retrieve(AssistantQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var retrieval = await RetrieveAsync(question, question.Question, usedPrevious: false);
        if (!retrieval.Found && !string.IsNullOrWhiteSpace(question.PreviousQuestion))
        {
            // A follow-up ("and for partners?") leans on the question before it.
            var combined = await RetrieveAsync(question, question.Question + "\n" + question.PreviousQuestion, usedPrevious: true);
            if (combined.Found) return combined;
        }
        return retrieval;
    }

    private async Task<AssistantRetrieval> RetrieveAsync(AssistantQuestion question, string text, bool usedPrevious)
    {
        var words = _text.ContentWords(text);
        var bigrams = _text.Bigrams(text);
        if (words.Count == 0 && bigrams.Count == 0) return new AssistantRetrieval(false, "", [], [], [], usedPrevious);
        var pages = await ReadablePagesAsync(question.Principal, words, bigrams, question.SpaceIds);
        var contents = await Task.WhenAll(pages.Select(p => ReadAsync(p.Id)));
        var sections = pages.Zip(contents).SelectMany(p => Sections(p.First, p.Second)).ToList();
        // The question's own words decide whether a passage answers; a follow-up's added words only help ranking.
        var asked = _text.ContentWords(question.Question);
        var answering = usedPrevious ? words : asked;
        var ranked = Rank(sections, words, bigrams, answering);
        var passages = ranked.Take(MaxPassages).Select(r => r.Passage).ToList();
        var cited = new List<(Section Section, AssistantPassage Passage)>();
        foreach (var candidate in ranked)
        {
            if (!Answers(candidate.Passage)) continue;
            if (cited.Count > 0 && candidate.Passage.Score < cited[0].Passage.Score * SecondCitationShare) break;
            cited.Add(candidate);
            if (cited.Count == MaxCited) break;
        }
        if (cited.Count == 0)
        {
            var closest = pages.Take(MaxClosest).Select(p => new ClosestPage(p.Id, p.Title, p.SpaceId)).ToList();
            return new AssistantRetrieval(false, "", passages, [], closest, usedPrevious);
        }
        var answer = string.Join("\n", cited.Select((c, i) => $"{Extract(c.Passage.Text, answering)} [{i + 1}]"));
        return new AssistantRetrieval(true, answer, passages, cited.Select(c => c.Passage).ToList(), [], usedPrevious);
    }

    /// <summary>More than half of the question's content words are in the section (its headings and title count).</summary>
    private static bool Answers(AssistantPassage passage) => passage.Coverage > 0.5;

    public async Task<IReadOnlyList<CitationState>> CheckCitations(string principal, IReadOnlyList<AssistantCitation> citations)
    {
        ArgumentNullException.ThrowIfNull(citations);
        var ids = citations.Select(c => c.PageId).Distinct(StringComparer.Ordinal).ToList();
        var readable = (await grains.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).FilterReadable(principal, ids)).ToHashSet(StringComparer.Ordinal);
        var pages = new Dictionary<string, (Page Page, PageContent Content)?>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var resource = readable.Contains(id) ? await grains.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).GetResource(id, principal) : null;
            if (resource is null || resource.Trashed || resource.Kind == ResourceKind.Space) pages[id] = null;
            else pages[id] = (new Page(id, resource.Title, resource.SpaceId, null), await ReadAsync(id));
        }
        var states = new List<CitationState>(citations.Count);
        foreach (var citation in citations)
        {
            if (pages[citation.PageId] is not { } page)
            {
                states.Add(new CitationState(false, false, 0, null, null));
                continue;
            }
            var sectionKept = Sections(page.Page, page.Content).Any(s => s.Headings.SequenceEqual(citation.Headings) && s.Hash == citation.SectionHash);
            states.Add(new CitationState(true, page.Content.Version != citation.Version || !sectionKept, page.Content.Version, page.Page.Title, page.Page.SpaceId));
        }
        return states;
    }

    private async Task<List<Page>> ReadablePagesAsync(string principal, IReadOnlyList<string> words, IReadOnlyList<string> bigrams, IReadOnlyList<string>? spaceIds)
    {
        var index = grains.GetGrain<ISearchIndexGrain>("default");
        var access = grains.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key);
        var spaces = spaceIds?.ToHashSet(StringComparer.Ordinal);
        var pages = new List<Page>(MaxPages);
        var examined = 0;
        foreach (var window in CandidateWindows)
        {
            var candidates = await index.Candidates(words, bigrams, window);
            // Each window repeats the one before it (same query, same order); only the new tail is trimmed.
            var fresh = candidates.Skip(examined).ToList();
            examined = candidates.Count;
            if (fresh.Count > 0)
            {
                var readable = (await access.FilterReadable(principal, fresh.Select(c => c.DocumentId).ToList())).ToHashSet(StringComparer.Ordinal);
                foreach (var candidate in fresh)
                {
                    if (pages.Count == MaxPages) return pages;
                    if (!readable.Contains(candidate.DocumentId)) continue;
                    // Title, space and trash as they are now (the index may predate a rename or a move).
                    var resource = await access.GetResource(candidate.DocumentId, principal);
                    if (resource is null || resource.Trashed || resource.Kind == ResourceKind.Space) continue;
                    if (spaces is not null && (resource.SpaceId is null || !spaces.Contains(resource.SpaceId))) continue;
                    pages.Add(new Page(resource.Id, resource.Title, resource.SpaceId, candidate.UpdatedAt));
                }
            }
            if (pages.Count == MaxPages || candidates.Count < window) break;
        }
        return pages;
    }

    /// <summary>The page's content at its current version, from its live document.</summary>
    private async Task<PageContent> ReadAsync(string pageId)
    {
        var state = await grains.GetGrain<IDocumentGrain>(pageId).EncodeState();
        var doc = new Doc(new DocOptions { MaxNestingDepth = int.MaxValue });
        if (state.Length > 0) doc.ApplyUpdate(state);
        // Every insertion advances a client's clock, so their sum grows with each edit that adds content.
        var version = doc.StateVector.Values.Sum(clock => (long)clock);
        return new PageContent(version, RichNode.FromFragment(doc.GetXmlFragment(RichContent.FragmentName)));
    }

    /// <summary>The page's sections in order: text before the first heading, then one per heading, each with the path
    /// of headings above it (a heading closes the sections of its level and deeper).</summary>
    private static List<Section> Sections(Page page, PageContent content)
    {
        var sections = new List<Section>();
        var path = new List<(int Level, string Text)>();
        var body = new List<string>();
        foreach (var block in content.Blocks)
        {
            if (block.Type == "heading")
            {
                Close();
                var level = Math.Clamp(RichHtml.AsInt(block.Attr("level")) ?? 1, 1, 6);
                path.RemoveAll(h => h.Level >= level);
                path.Add((level, block.InnerText().Trim()));
                continue;
            }
            var text = RichContent.PlainText([block]);
            if (text.Length > 0) body.Add(text);
        }
        Close();
        return sections;

        void Close()
        {
            var headings = path.Select(h => h.Text).ToList();
            var text = string.Join("\n", body);
            body.Clear();
            if (text.Length == 0) return;
            sections.Add(new Section(page, content.Version, headings, text, AssistantText.Hash(headings, text)));
        }
    }

    /// <summary>BM25 over the sections (title and heading path as the title field), best first; ties keep page and
    /// section order, so the same question over the same content ranks the same way.</summary>
    private List<(Section Section, AssistantPassage Passage)> Rank(List<Section> sections, List<string> words, List<string> bigrams, List<string> answering)
    {
        if (sections.Count == 0) return [];
        using var directory = new RAMDirectory();
        var similarity = new BM25Similarity();
        using (var writer = new IndexWriter(directory, new IndexWriterConfig(AssistantText.Version, Analyzer) { Similarity = similarity, OpenMode = OpenMode.CREATE }))
        {
            for (var i = 0; i < sections.Count; i++)
            {
                var section = sections[i];
                var title = section.TitlePath;
                writer.AddDocument(new Document
                {
                    new StoredField(OrdinalField, i),
                    new TextField(TitleField, title, Field.Store.NO),
                    new TextField(BodyField, section.Text, Field.Store.NO),
                    new TextField(TitleBigramField, title, Field.Store.NO),
                    new TextField(BodyBigramField, section.Text, Field.Store.NO),
                });
            }
        }
        var query = new BooleanQuery();
        foreach (var word in words.Take(128))
        {
            query.Add(new TermQuery(new Term(TitleField, word)) { Boost = 1.5f }, Occur.SHOULD);
            query.Add(new TermQuery(new Term(BodyField, word)), Occur.SHOULD);
        }
        foreach (var bigram in bigrams.Take(128))
        {
            query.Add(new TermQuery(new Term(TitleBigramField, bigram)) { Boost = 1.2f }, Occur.SHOULD);
            query.Add(new TermQuery(new Term(BodyBigramField, bigram)) { Boost = 0.7f }, Occur.SHOULD);
        }
        using var reader = DirectoryReader.Open(directory);
        var searcher = new IndexSearcher(reader) { Similarity = similarity };
        var top = searcher.Search(query, sections.Count);
        var scored = top.ScoreDocs.Select(hit => (Score: hit.Score, Ordinal: searcher.Doc(hit.Doc).GetField(OrdinalField).GetInt32Value() ?? 0))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Ordinal).Take(MaxRanked);
        var ranked = new List<(Section, AssistantPassage)>(MaxRanked);
        foreach (var (score, ordinal) in scored)
        {
            var section = sections[ordinal];
            var coverage = answering.Count == 0 ? 0 : (double)_text.CountCovered(answering, section.TitlePath + "\n" + section.Text) / answering.Count;
            ranked.Add((section, new AssistantPassage(section.Page.Id, section.Page.Title, section.Page.SpaceId, section.Headings, section.Text,
                score, coverage, section.Version, section.Page.UpdatedAt, section.Hash)));
        }
        return ranked;
    }

    /// <summary>The passage itself when short; else its sentence that holds most of the question's words (the first
    /// such), with the sentence after it while both fit in <see cref="MaxAnswerPart"/> characters.</summary>
    private string Extract(string passage, List<string> words)
    {
        if (passage.Length <= WholePassageLength) return passage.Replace('\n', ' ');
        var sentences = AssistantText.Sentences(passage);
        var best = 0;
        var bestCovered = -1;
        for (var i = 0; i < sentences.Count; i++)
        {
            var covered = _text.CountCovered(words, sentences[i]);
            if (covered > bestCovered)
            {
                best = i;
                bestCovered = covered;
            }
        }
        var answer = sentences[best];
        if (best + 1 < sentences.Count && answer.Length + sentences[best + 1].Length < MaxAnswerPart) answer += " " + sentences[best + 1];
        return answer;
    }

    public void Dispose()
    {
        _analyzer?.Dispose();
        _text.Dispose();
    }

    private sealed record Page(string Id, string Title, string? SpaceId, DateTimeOffset? UpdatedAt);

    private sealed record PageContent(long Version, List<RichNode> Blocks);

    private sealed record Section(Page Page, long Version, List<string> Headings, string Text, string Hash)
    {
        public string TitlePath => string.Join("\n", [Page.Title, .. Headings]);
    }
}
