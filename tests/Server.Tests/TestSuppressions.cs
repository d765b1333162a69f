using System.Diagnostics.CodeAnalysis;

// Test names are sentences; underscores keep them readable in test output.
[assembly: SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Scope = "namespaceanddescendants", Target = "~N:Spotter.Collab.Server.Tests")]
