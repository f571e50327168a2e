module "iam" {
  source    = "../../modules/iam"
  table_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/demo"
}

module "fn_demo" {
  source   = "../../modules/lambda"
  zip_path = "dist/lambda-demo/bootstrap.zip"
  role_arn = module.iam.role_arns["demo"]
  environment = {
    DEMO_TABLE = "demo"
  }
}

module "fn_reader" {
  source   = "../../modules/lambda"
  zip_path = "dist/lambda-reader/bootstrap.zip"
  role_arn = module.iam.role_arns["reader"]
  environment = {
    DEMO_TABLE = "demo"
  }
}
