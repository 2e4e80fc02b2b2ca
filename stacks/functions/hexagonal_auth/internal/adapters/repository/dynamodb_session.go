package repository

import (
    "context"
    "fmt"
    "os"
    
    "github.com/aws/aws-sdk-go-v2/aws"
    "github.com/aws/aws-sdk-go-v2/config"
    "github.com/aws/aws-sdk-go-v2/service/dynamodb"
    "github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
    
    "go-hexagonal-auth/internal/core/domain"
)

type DynamoDBSessionRepository struct {
    client    *dynamodb.Client
    tableName string
}

// NewDynamoDBSessionRepository crea repositorio
func NewDynamoDBSessionRepository(ctx context.Context) (*DynamoDBSessionRepository, error) {
    // AWS SDK detecta credenciales del IAM Role automáticamente
    cfg, err := config.LoadDefaultConfig(ctx)
    if err != nil {
        return nil, fmt.Errorf("failed to load AWS config: %w", err)
    }
    
    tableName := os.Getenv("DYNAMODB_TABLE_NAME")
    if tableName == "" {
        return nil, fmt.Errorf("DYNAMODB_TABLE_NAME not set")
    }
    
    return &DynamoDBSessionRepository{
        client:    dynamodb.NewFromConfig(cfg),
        tableName: tableName,
    }, nil
}

// Save persiste sesión en DynamoDB
func (r *DynamoDBSessionRepository) Save(ctx context.Context, session *domain.Session) error {
    if !session.IsValid() {
        return fmt.Errorf("invalid session")
    }
    
    // Convertir dominio → DynamoDB
    item := map[string]interface{}{
        "session_id": session.SessionID,
        "user_id":    session.UserID,
        "expires_at": session.ExpiresAtUnix(),
        "created_at": session.CreatedAt.Format(time.RFC3339),
        "data":       session.Data,
    }
    
    av, err := attributevalue.MarshalMap(item)
    if err != nil {
        return fmt.Errorf("marshal failed: %w", err)
    }
    
    _, err = r.client.PutItem(ctx, &dynamodb.PutItemInput{
        TableName: aws.String(r.tableName),
        Item:      av,
    })
    
    return err
}
