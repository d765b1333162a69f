using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.WebHost.Api;

/// <summary>
/// Corrections that make the OpenAPI document say what the server sends (web/openapi.json, from which the web
/// client's types are generated).
/// </summary>
public static class ApiSchemas
{
    public static OpenApiOptions DescribeTheWire(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddSchemaTransformer(async (schema, context, cancellationToken) =>
        {
            // Numbers are read leniently ("5" is accepted for 5) but always written as numbers.
            if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
            {
                schema.Type = type & ~JsonSchemaType.String;
                schema.Pattern = null;
            }
            // The explanation's source is a grant source, or "administrator".
            if (context.JsonTypeInfo.Type == typeof(ExplanationResponse) && schema.Properties is { } properties)
            {
                var grantSource = await context.GetOrCreateSchemaAsync(typeof(GrantSource), null, cancellationToken);
                properties["source"] = new OpenApiSchema
                {
                    OneOf = [new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(ExplanationResponse.Administrator)] }, grantSource],
                };
            }
        });
        return options;
    }
}
