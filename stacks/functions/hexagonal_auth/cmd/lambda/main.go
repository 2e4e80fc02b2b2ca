package main

import (
    "context"
    "encoding/json"
    "log"
    "time"
    
    "github.com/aws/aws-lambda-go/events"
    "github.com/aws/aws-lambda-go/lambda"
    
    "go-hexagonal-auth/internal/adapters/repository"
    "go-hexagonal-auth/internal/core/domain"
)

type CreateSessionRequest struct {
    UserID string `json:"user_id"`
    TTL    int    `json:"ttl"`  // Horas
}

type CreateSessionResponse struct {
    SessionID string `json:"session_id"`
    UserID    string `json:"user_id"`
    ExpiresAt int64  `json:"expires_at"`
    Message   string `json:"message"`
}

func handler(ctx context.Context, request events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
    log.Printf("Received request: %+v", request)
    
    // Parse input
    var req CreateSessionRequest
    if err := json.Unmarshal([]byte(request.Body), &req); err != nil {
        return errorResponse(400, "Invalid JSON", err)
    }
    
    // Validate
    if req.UserID == "" {
        return errorResponse(400, "user_id is required", nil)
    }
    
    if req.TTL == 0 {
        req.TTL = 24  // Default 24 horas
    }
    
    // Create repository
    repo, err := repository.NewDynamoDBSessionRepository(ctx)
    if err != nil {
        return errorResponse(500, "Repository init failed", err)
    }
    defer repo.Close()
    
    // Create session (domain logic)
    ttl := time.Duration(req.TTL) * time.Hour
    session := domain.NewSession(req.UserID, ttl)
    
    // Persist
    if err := repo.Save(ctx, session); err != nil {
        return errorResponse(500, "Save failed", err)
    }
    
    log.Printf("Session created: %s for user: %s", session.SessionID, session.UserID)
    
    // Response
    response := CreateSessionResponse{
        SessionID: session.SessionID,
        UserID:    session.UserID,
        ExpiresAt: session.ExpiresAtUnix(),
        Message:   "Session created successfully",
    }
    
    return successResponse(201, response)
}

func main() {
    lambda.Start(handler)
}
