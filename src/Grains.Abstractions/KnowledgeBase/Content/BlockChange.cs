namespace Spotter.Collab.Grains.KnowledgeBase.Content;

public enum BlockChange
{
    Same,
    Added,
    Removed,
}
