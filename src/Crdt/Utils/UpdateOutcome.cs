namespace Spotter.Collab.Crdt;

/// <summary>What <see cref="Doc.ApplyUpdateIfAllowed"/> did with an update.</summary>
public enum UpdateOutcome
{
    /// <summary>The document already had everything in the update; nothing was applied.</summary>
    Unchanged,

    /// <summary>The update would have changed the document, but changes were not allowed; nothing was applied.</summary>
    Refused,

    /// <summary>The update was applied (possibly held as pending until its dependencies arrive).</summary>
    Applied,
}
