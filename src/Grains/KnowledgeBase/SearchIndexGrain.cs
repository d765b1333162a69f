using System.Text;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Orleans.Concurrency;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

/// <summary>
/// The search index: one activation holds an in-memory Lucene index, rebuilt on activation from the
/// <c>search_documents</c> table (the durable source), so it can move between silos. Title and body are indexed
/// twice: with SmartCn (Chinese words; English lower-cased and Porter-stemmed) and with CJK bigrams, because SmartCn
/// segments a word differently in a sentence than alone ("前台" is one word as a query, "前|台" mid-sentence); a
/// match in either counts.
/// Writes are batched like a group commit: pages arriving while a batch is being stored join the next one, each batch
/// is one store transaction and one pass over the Lucene writer, and a caller's task completes once its page is
/// durable in the store. Lucene itself never commits after the rebuild (the in-memory index is not the durable copy);
/// searches read near-real-time through a <see cref="SearcherManager"/>, refreshed when a search finds it stale.
/// The grain is reentrant so that pages can queue up while a batch is being stored.
/// </summary>
[Reentrant]
public sealed class SearchIndexGrain(IKnowledgeBaseStore store, TimeProvider time) : Grain, ISearchIndexGrain, IDisposable
{
    /// <summary>Pages written to Lucene since the searcher was last refreshed, before a refresh is forced.</summary>
    private const int MaxUnrefreshed = 512;

    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string IdField = "id";
    private const string TitleField = "title";
    private const string BodyField = "body";
    private const string TitleBigramField = "title_cjk";
    private const string BodyBigramField = "body_cjk";
    private const string SpaceField = "space";
    private const string UpdatedField = "updated";
    /// <summary>Terms of each kind a candidate query takes (BooleanQuery allows 1,024 clauses; each term is two).</summary>
    private const int MaxCandidateTerms = 128;
    private const int SnippetLength = 160;
    private const int SnippetLead = 40;

    private readonly SmartChineseAnalyzer _words = CreateAnalyzer();
    private readonly CJKAnalyzer _bigrams = new(Version);
    private PerFieldAnalyzerWrapper? _perField;
    private readonly RAMDirectory _directory = new();
    private IndexWriter? _writer;
    private SearcherManager? _searchers;
    // Pages queued for the next batch (latest per id) and the task their callers wait on.
    private readonly Dictionary<string, SearchDocument> _pending = [];
    private TaskCompletionSource? _pendingStored;
    private Task? _flushing;
    // Pages in the writer that the current searcher does not see yet (latest per id).
    private readonly Dictionary<string, SearchDocument> _unrefreshed = [];

    private PerFieldAnalyzerWrapper Analyzer => _perField ??= new PerFieldAnalyzerWrapper(_words, new Dictionary<string, Analyzer>
    {
        [TitleBigramField] = _bigrams,
        [BodyBigramField] = _bigrams,
    });
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new IndexWriter(_directory, new IndexWriterConfig(Version, Analyzer) { OpenMode = OpenMode.CREATE });
        foreach (var document in await store.LoadSearchDocumentsAsync(cancellationToken)) _writer.UpdateDocument(new Term(IdField, document.DocumentId), ToLucene(document));
        _writer.Commit();
        _searchers = new SearcherManager(_writer, applyAllDeletes: true, searcherFactory: null);
        await base.OnActivateAsync(cancellationToken);
    }

    public Task Index(SearchDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        // A document grain knows the title its page was created with; once indexed, the title of record is the one
        // the last rename gave (Retitle), so a later edit must not bring the old title back.
        if (Latest(document.DocumentId) is { } indexed) document = document with { Title = indexed.Title };
        return Enqueue(document);
    }

    public Task Retitle(string documentId, string title)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentException.ThrowIfNullOrEmpty(title);
        // Renamed before its first indexing (a few seconds after creation): the title waits here for the body.
        var indexed = Latest(documentId);
        return Enqueue(new SearchDocument(documentId, title, indexed?.Body ?? "", indexed?.SpaceId, time.GetUtcNow()));
    }

    /// <summary>Queues the page for the next batch; completes once the batch holding it is durable in the store.</summary>
    private Task Enqueue(SearchDocument document)
    {
        _pending[document.DocumentId] = document;
        var stored = _pendingStored ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_flushing is null || _flushing.IsCompleted) _flushing = FlushAsync();
        return stored.Task;
    }

    private async Task FlushAsync()
    {
        while (_pending.Count > 0)
        {
            var batch = _pending.Values.ToList();
            var stored = _pendingStored!;
            _pending.Clear();
            _pendingStored = null;
            try
            {
                // The store first: a page is in the index only once it would also be there after a restart.
                await store.UpsertSearchDocumentsAsync(batch);
                foreach (var document in batch)
                {
                    Writer.UpdateDocument(new Term(IdField, document.DocumentId), ToLucene(document));
                    _unrefreshed[document.DocumentId] = document;
                }
                if (_unrefreshed.Count >= MaxUnrefreshed) Refresh();
                stored.TrySetResult();
            }
            catch (Exception ex)
            {
                stored.TrySetException(ex);
            }
        }
    }

    /// <summary>The page as last written (queued, in the writer, or in the searcher's view), or null.</summary>
    private SearchDocument? Latest(string documentId)
    {
        if (_pending.TryGetValue(documentId, out var pending)) return pending;
        if (_unrefreshed.TryGetValue(documentId, out var written)) return written;
        var searcher = Searchers.Acquire();
        try
        {
            var top = searcher.Search(new TermQuery(new Term(IdField, documentId)), 1);
            if (top.TotalHits == 0) return null;
            var stored = searcher.Doc(top.ScoreDocs[0].Doc);
            return new SearchDocument(documentId, stored.Get(TitleField) ?? "", stored.Get(BodyField) ?? "", stored.Get(SpaceField), time.GetUtcNow());
        }
        finally
        {
            Searchers.Release(searcher);
        }
    }

    /// <summary>Opens a near-real-time searcher over everything in the writer (no Lucene commit).</summary>
    private void Refresh()
    {
        if (_unrefreshed.Count == 0) return;
        Searchers.MaybeRefreshBlocking();
        _unrefreshed.Clear();
    }

    public Task<IReadOnlyList<SearchHit>> Search(string query, int limit)
    {
        if (string.IsNullOrWhiteSpace(query) || limit <= 0) return Task.FromResult<IReadOnlyList<SearchHit>>([]);
        Refresh();
        var searcher = Searchers.Acquire();
        try
        {
            return Task.FromResult<IReadOnlyList<SearchHit>>(Search(searcher, query, limit));
        }
        finally
        {
            Searchers.Release(searcher);
        }
    }

    private List<SearchHit> Search(IndexSearcher searcher, string query, int limit)
    {
        var parser = new MultiFieldQueryParser(Version, [TitleField, BodyField, TitleBigramField, BodyBigramField], Analyzer,
            new Dictionary<string, float> { [TitleField] = 2f, [BodyField] = 1f, [TitleBigramField] = 1.5f, [BodyBigramField] = 0.7f })
        {
            DefaultOperator = Operator.AND,
            // A word split into several tokens (bigrams, SmartCn words) must match as a phrase, not as any of them.
            AutoGeneratePhraseQueries = true,
        };
        // The user's words, never query syntax.
        var parsed = searcher.Rewrite(parser.Parse(QueryParserBase.Escape(query.Trim())));
        var terms = new HashSet<Term>();
        parsed.ExtractTerms(terms);
        var top = searcher.Search(parsed, limit);
        var hits = new List<SearchHit>(top.ScoreDocs.Length);
        foreach (var scoreDoc in top.ScoreDocs)
        {
            var document = searcher.Doc(scoreDoc.Doc);
            var body = document.Get(BodyField) ?? "";
            hits.Add(new SearchHit(document.Get(IdField), document.Get(TitleField) ?? "", document.Get(SpaceField), Snippet(body, terms), scoreDoc.Score));
        }
        return hits;
    }

    public Task<IReadOnlyList<SearchCandidate>> Candidates(IReadOnlyList<string> words, IReadOnlyList<string> bigrams, int limit)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(bigrams);
        var query = new BooleanQuery();
        foreach (var word in words.Distinct(StringComparer.Ordinal).Take(MaxCandidateTerms))
        {
            query.Add(new TermQuery(new Term(TitleField, word)) { Boost = 2f }, Occur.SHOULD);
            query.Add(new TermQuery(new Term(BodyField, word)), Occur.SHOULD);
        }
        foreach (var bigram in bigrams.Distinct(StringComparer.Ordinal).Take(MaxCandidateTerms))
        {
            query.Add(new TermQuery(new Term(TitleBigramField, bigram)) { Boost = 1.5f }, Occur.SHOULD);
            query.Add(new TermQuery(new Term(BodyBigramField, bigram)) { Boost = 0.7f }, Occur.SHOULD);
        }
        if (query.Clauses.Count == 0 || limit <= 0) return Task.FromResult<IReadOnlyList<SearchCandidate>>([]);
        Refresh();
        var searcher = Searchers.Acquire();
        try
        {
            var top = searcher.Search(query, limit);
            var candidates = new List<SearchCandidate>(top.ScoreDocs.Length);
            foreach (var scoreDoc in top.ScoreDocs)
            {
                var document = searcher.Doc(scoreDoc.Doc);
                var updated = document.GetField(UpdatedField)?.GetInt64Value() ?? 0;
                candidates.Add(new SearchCandidate(document.Get(IdField), scoreDoc.Score, new DateTimeOffset(updated, TimeSpan.Zero)));
            }
            return Task.FromResult<IReadOnlyList<SearchCandidate>>(candidates);
        }
        finally
        {
            Searchers.Release(searcher);
        }
    }

    private IndexWriter Writer => _writer ?? throw new InvalidOperationException("search index not activated");

    private SearcherManager Searchers => _searchers ?? throw new InvalidOperationException("search index not activated");

    /// <summary>
    /// SmartCn splits sentences with ICU4N, whose start-up creates named cultures ("en"). The hosts run with invariant
    /// globalization, where that throws unless PredefinedCulturesOnly is off (Directory.Build.props); then such
    /// cultures behave like the invariant one, which is all ICU4N needs (it ships its own break-iterator data).
    /// </summary>
    private static SmartChineseAnalyzer CreateAnalyzer() => new(Version);

    /// <summary>
    /// An HTML snippet of the body around the first match: the spans whose token (SmartCn word or CJK bigram) is a
    /// query term are wrapped in &lt;mark&gt; (overlapping bigrams merge into one mark); all text is escaped.
    /// </summary>
    private string Snippet(string body, HashSet<Term> terms)
    {
        var spans = new List<(int Start, int End)>();
        CollectSpans(_words, BodyField, body, terms, spans);
        CollectSpans(_bigrams, BodyBigramField, body, terms, spans);
        spans.Sort();
        var merged = new List<(int Start, int End)>();
        foreach (var span in spans)
        {
            if (merged.Count > 0 && span.Start <= merged[^1].End) merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, span.End));
            else merged.Add(span);
        }
        var start = merged.Count == 0 ? 0 : Math.Max(0, merged[0].Start - SnippetLead);
        var end = Math.Min(body.Length, start + SnippetLength);
        if (start > 0 && char.IsLowSurrogate(body[start])) start--;
        if (end < body.Length && char.IsLowSurrogate(body[end])) end++;
        var html = new StringBuilder();
        if (start > 0) html.Append('…');
        var at = start;
        foreach (var (spanStart, spanEnd) in merged)
        {
            var from = Math.Max(spanStart, at);
            var to = Math.Min(spanEnd, end);
            if (from >= to) continue;
            RichHtml.Escape(body[at..from], html);
            html.Append("<mark>");
            RichHtml.Escape(body[from..to], html);
            html.Append("</mark>");
            at = to;
        }
        RichHtml.Escape(body[at..end], html);
        if (end < body.Length) html.Append('…');
        return html.ToString().Replace('\n', ' ');
    }

    private static void CollectSpans(Analyzer analyzer, string field, string text, HashSet<Term> terms, List<(int, int)> spans)
    {
        using var tokens = analyzer.GetTokenStream(field, text);
        var term = tokens.AddAttribute<ICharTermAttribute>();
        var offset = tokens.AddAttribute<IOffsetAttribute>();
        tokens.Reset();
        while (tokens.IncrementToken())
        {
            if (terms.Contains(new Term(field, term.ToString()))) spans.Add((offset.StartOffset, offset.EndOffset));
        }
        tokens.End();
    }

    private static Document ToLucene(SearchDocument document)
    {
        var lucene = new Document
        {
            new StringField(IdField, document.DocumentId, Field.Store.YES),
            new TextField(TitleField, document.Title, Field.Store.YES),
            new TextField(BodyField, document.Body, Field.Store.YES),
            new TextField(TitleBigramField, document.Title, Field.Store.NO),
            new TextField(BodyBigramField, document.Body, Field.Store.NO),
            new StoredField(UpdatedField, document.UpdatedAt.UtcTicks),
        };
        if (document.SpaceId is not null) lucene.Add(new StringField(SpaceField, document.SpaceId, Field.Store.YES));
        return lucene;
    }

    public void Dispose()
    {
        _searchers?.Dispose();
        _writer?.Dispose();
        _directory.Dispose();
        _perField?.Dispose();
        _words.Dispose();
        _bigrams.Dispose();
    }
}
